int printf(const char *fmt, ...);

int main(void) {
    char c = (char)200;          /* char is signed on x86-64 */
    signed char sc = -100;
    unsigned char uc = 156;
    short s = (short)40000;
    unsigned short us = 40000;
    printf("%d %d %d\n", c, sc, uc);
    printf("%d %d\n", s, us);
    printf("%d\n", sc == (signed char)uc);
    return uc;
}
