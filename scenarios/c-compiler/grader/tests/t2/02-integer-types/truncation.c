int printf(const char *fmt, ...);

int main(void) {
    long big = 0x123456789abcdefL;
    int i = (int)big;
    short s = (short)big;
    char c = (char)big;
    unsigned char uc = (unsigned char)big;
    printf("%d %d %d %d\n", i, s, c, uc);
    unsigned int u = (unsigned int)-big;
    printf("%u\n", u);
    long back = (long)(int)0x80000000u;
    printf("%ld\n", back);
    long long ll = (long long)(unsigned int)-1;
    printf("%lld\n", ll);
    return uc;
}
