int x = 10;
int get(void) {
    return x;
}
int main(void) {
    int x = 3;
    return get() + x;
}
