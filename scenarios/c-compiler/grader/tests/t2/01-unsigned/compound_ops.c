int printf(const char *fmt, ...);

int main(void) {
    unsigned int x = 1000;
    x -= 2000;
    printf("%u\n", x);
    x /= 3;
    printf("%u\n", x);
    x <<= 3;
    printf("%u\n", x);
    x >>= 5;
    printf("%u\n", x);
    x %= 1000;
    printf("%u\n", x);
    x ^= 0xffffffffu;
    printf("%u\n", x);
    unsigned char c = 10;
    c *= 30;
    printf("%d\n", c);
    c -= 50;
    printf("%d\n", c);
    return x % 100;
}
