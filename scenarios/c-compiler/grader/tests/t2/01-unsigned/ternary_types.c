int printf(const char *fmt, ...);

int main(void) {
    int neg = -5;
    unsigned int u = 3;
    /* the conditional has type unsigned int: -5 becomes a large value */
    printf("%d\n", (1 ? neg : u) > 0);
    long l = 1 ? neg : 0L;
    printf("%ld\n", l);
    unsigned long r = 0 ? 1ul : neg;
    printf("%lu\n", r);
    printf("%d\n", (int)sizeof(1 ? (char)1 : (short)2));
    return 0;
}
