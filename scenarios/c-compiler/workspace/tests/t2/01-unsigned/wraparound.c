int printf(const char *fmt, ...);

int main(void) {
    unsigned int a = 4000000000u;
    unsigned int b = a + 500000000u;
    unsigned int c = 0u - 1u;
    unsigned int d = 3u - 5u;
    printf("%u %u %u %u\n", a, b, c, d);
    printf("%u\n", a * 3u);
    return (int)(d % 251u);
}
