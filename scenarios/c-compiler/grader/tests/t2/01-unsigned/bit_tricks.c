int printf(const char *fmt, ...);

int popcount(unsigned int x) {
    int n = 0;
    while (x) { x &= x - 1; n++; }
    return n;
}

unsigned int reverse_bits(unsigned int x) {
    unsigned int r = 0;
    for (int i = 0; i < 32; i++) { r = (r << 1) | (x & 1u); x >>= 1; }
    return r;
}

unsigned int rotl(unsigned int x, int k) { return (x << k) | (x >> (32 - k)); }

int main(void) {
    unsigned int v[] = {0u, 1u, 0xffu, 0x80000001u, 0xffffffffu, 123456789u};
    for (int i = 0; i < 6; i++)
        printf("%d %08x %08x\n", popcount(v[i]), reverse_bits(v[i]), rotl(v[i], 7));
    unsigned int lowest = 0x50u & -0x50u;
    printf("%u\n", lowest);
    return popcount(0xf0f0u);
}
