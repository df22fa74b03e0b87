int square(int x) {
    return x * x;
}
int main(void) {
    return square(5) + 1;
}
