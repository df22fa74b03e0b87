int printf(const char *fmt, ...);

int main(void) {
    unsigned char a = 200, b = 100;
    int sum = a + b;              /* promoted to int: 300 */
    unsigned char wrapped = a + b; /* 44 */
    printf("%d %d\n", sum, wrapped);
    unsigned short x = 65535;
    printf("%d\n", x + 1);          /* int arithmetic: 65536 */
    unsigned int ux = x;
    printf("%u\n", ux * ux);
    signed char sc = -1;
    unsigned int conv = sc;
    printf("%u\n", conv);
    printf("%d\n", (unsigned char)sc);
    return 0;
}
