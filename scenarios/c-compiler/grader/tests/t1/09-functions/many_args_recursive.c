int walk(int n, int a, int b, int c, int d, int e, int f, int g) {
    if (n == 0) return a + b + c + d + e + f + g;
    return walk(n - 1, b, c, d, e, f, g, a + 1);
}
int main(void) {
    return walk(10, 1, 2, 3, 4, 5, 6, 7);
}
