int printf(const char *fmt, ...);

int main(void) {
    unsigned int total = 0;
    for (unsigned int i = 10; i != (unsigned int)-1; i--)
        total += i * i;
    printf("%u\n", total);
    unsigned long fact = 1;
    for (unsigned long k = 1; k <= 20; k++) fact *= k;
    printf("%lu\n", fact);
    fact *= 21;  /* wraps modulo 2^64 */
    printf("%lu\n", fact);
    return (int)(total & 0x7f);
}
