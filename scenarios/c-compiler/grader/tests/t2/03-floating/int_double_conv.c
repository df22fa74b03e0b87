int printf(const char *fmt, ...);

int main(void) {
    long long big = 9007199254740993LL;   /* 2^53 + 1: not exact as a double */
    double d = (double)big;
    printf("%.1f\n", d);
    printf("%lld\n", (long long)d);
    unsigned long u = 18446744073709551615ul;
    double du = (double)u;
    printf("%.1f\n", du);
    unsigned long back = (unsigned long)1.8e19;
    printf("%lu\n", back);
    double neg = -7.99;
    printf("%d %d\n", (int)neg, (int)-neg);
    char c = (char)65.7;
    printf("%c\n", c);
    short s = (short)-1234.5;
    printf("%d\n", s);
    return 0;
}
