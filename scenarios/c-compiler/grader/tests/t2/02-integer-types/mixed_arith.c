int printf(const char *fmt, ...);

long long mul_add(int a, long long b, unsigned short c) { return a * b + c; }

int main(void) {
    printf("%lld\n", mul_add(-70000, 70000, 65535));
    long long acc = 0;
    for (int i = 1; i <= 30; i++) acc = acc * 3 + i;
    printf("%lld\n", acc);
    unsigned long long uacc = 1;
    for (int i = 0; i < 70; i++) uacc = uacc * 3 + 1;
    printf("%llu\n", uacc);
    int q = -17;
    printf("%d %d %d %d\n", q / 5, q % 5, -q / 5, q / -5);
    long long big = -9223372036854775807LL - 1;
    printf("%lld\n", big / 3);
    return 0;
}
