int printf(const char *fmt, ...);

int main(void) {
    int imax = 2147483647;
    int imin = -imax - 1;
    long lmax = 9223372036854775807L;
    unsigned long umax = 18446744073709551615UL;
    printf("%d %d\n", imax, imin);
    printf("%ld %ld\n", lmax, -lmax - 1);
    printf("%lu\n", umax);
    printf("%u\n", (unsigned int)imin);
    printf("%d\n", (signed char)127 + 1);
    printf("%hd %hhd\n", (short)-1, (char)255);
    printf("%lld\n", (long long)imax * imax);
    return 0;
}
