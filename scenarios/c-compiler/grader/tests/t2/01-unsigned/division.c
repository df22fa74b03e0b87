int printf(const char *fmt, ...);

int main(void) {
    unsigned int big = 4294967290u;
    printf("%u %u\n", big / 7u, big % 7u);
    int x = -7;
    unsigned int y = 2;
    printf("%u\n", x / y);
    printf("%u\n", x % y);
    unsigned long q = 18446744073709551000ul;
    printf("%lu %lu\n", q / 1000ul, q % 1000ul);
    return (int)(big % 256u);
}
