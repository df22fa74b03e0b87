int twice(int x);
int main(void) {
    return twice(21);
}
int twice(int x) {
    return x + x;
}
