int printf(const char *fmt, ...);

int main(void) {
    unsigned int u = 1;
    int neg = -1;
    /* -1 converts to UINT_MAX when compared with an unsigned int */
    printf("%d\n", neg < u);
    printf("%d\n", neg > u);
    unsigned long ul = 5;
    long l = -3;
    printf("%d %d\n", l < ul, (long)ul > l);
    printf("%d\n", (unsigned char)200 > (signed char)-56);
    return 0;
}
