int printf(const char *fmt, ...);

int main(void) {
    unsigned int u = 0x80000000u;
    int s = -2147483647 - 1;
    printf("%u %d\n", u >> 31, s >> 31);
    printf("%u\n", u >> 4);
    printf("%d\n", s >> 4);
    unsigned long ul = 1ul << 63;
    printf("%lu\n", ul >> 60);
    printf("%lu\n", ul);
    unsigned int m = 0xdeadbeefu;
    printf("%x %x %x\n", m << 8, m >> 8, (m << 16) | (m >> 16));
    return 0;
}
