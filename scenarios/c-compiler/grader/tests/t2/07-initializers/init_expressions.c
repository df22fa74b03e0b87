int printf(const char *fmt, ...);

int square(int x) { return x * x; }

int main(void) {
    int n = 5;
    int a[4] = {n, n * 2, square(n), n - 10};
    struct { int lo, hi; } range = {a[0] - 1, a[2] + 1};
    double d[3] = {1 / 2, 1.0 / 2, n / 2.0};
    const char *pick[2] = {n > 3 ? "big" : "small", "other"};
    printf("%d %d %d %d\n", a[0], a[1], a[2], a[3]);
    printf("%d %d\n", range.lo, range.hi);
    printf("%.1f %.1f %.1f\n", d[0], d[1], d[2]);
    printf("%s %s\n", pick[0], pick[1]);
    struct { int v; } copy = {range.hi};
    return copy.v;
}
