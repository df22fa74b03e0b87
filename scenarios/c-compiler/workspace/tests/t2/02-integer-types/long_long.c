int printf(const char *fmt, ...);

int main(void) {
    long long a = 9000000000000000000LL;
    long long b = -a;
    unsigned long long c = 18000000000000000000ULL;
    printf("%lld %lld %llu\n", a, b, c);
    printf("%lld\n", a / 7 + b % 1000);
    printf("%d\n", (int)sizeof(long long));
    long long m = 1LL << 40;
    printf("%lld %llx\n", m * 3, (unsigned long long)m * 5);
    return (int)(m >> 35);
}
