int printf(const char *fmt, ...);

int twice(int x) { return 2 * x; }
int square(int x) { return x * x; }

int apply(int (*f)(int), int x) { return f(x); }

int main(void) {
    int (*fp)(int) = twice;
    printf("%d %d\n", fp(5), (*fp)(6));
    fp = &square;
    printf("%d\n", apply(fp, 7));
    printf("%d\n", apply(twice, apply(square, 3)));
    return fp == square;
}
