int printf(const char *fmt, ...);

unsigned long gcd(unsigned long a, unsigned long b) {
    while (b) { unsigned long t = a % b; a = b; b = t; }
    return a;
}

unsigned long powmod(unsigned long b, unsigned long e, unsigned long m) {
    unsigned long r = 1;
    b %= m;
    while (e) {
        if (e & 1) r = r * b % m;
        b = b * b % m;
        e >>= 1;
    }
    return r;
}

int main(void) {
    printf("%lu\n", gcd(9223372036854775806ul, 6148914691236517204ul));
    printf("%lu\n", powmod(2, 1000000, 1000000007ul));
    printf("%lu\n", powmod(123456789, 987654321, 998244353ul));
    unsigned long x = 0xfedcba9876543210ul;
    printf("%lx %lx\n", x >> 32, x & 0xfffffffful);
    return 0;
}
