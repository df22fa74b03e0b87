int add3(int a, int b, int c) {
    return a * 100 + b * 10 + c;
}
int main(void) {
    int x = 2;
    return add3(x - 1, x * 2, x + 5) % 256;
}
