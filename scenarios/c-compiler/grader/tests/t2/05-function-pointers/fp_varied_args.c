int printf(const char *fmt, ...);

double scale(double x, int k) { return x * k; }
long combine(char c, short s, int i, long l, long long ll) { return c + s + i + l + ll; }
void report(const char *label, double v) { printf("%s=%.2f\n", label, v); }

int main(void) {
    double (*f)(double, int) = scale;
    long (*g)(char, short, int, long, long long) = combine;
    void (*r)(const char *, double) = report;
    r("scaled", f(1.25, 8));
    printf("%ld\n", g(1, 2, 3, 4, 5));
    int (*pf)(const char *, ...) = printf;
    pf("%s %d\n", "via pointer", 99);
    return 0;
}
