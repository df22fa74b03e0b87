int printf(const char *fmt, ...);

int main(void) {
    printf("%d\n", (int)sizeof(2147483647));
    printf("%d\n", (int)sizeof(2147483648));   /* long */
    printf("%d\n", (int)sizeof(0x7fffffff));
    printf("%d\n", (int)sizeof(0xffffffff));   /* unsigned int */
    printf("%d\n", (int)sizeof(0x100000000));
    printf("%d\n", (int)sizeof(10u));
    printf("%d\n", (int)sizeof(10ll));
    printf("%d\n", (int)sizeof('a'));
    printf("%d\n", 0xffffffff > 0);
    printf("%d\n", -1 < 0xffffffff);           /* -1 becomes unsigned int */
    printf("%d\n", -1 < 0x100000000);          /* long: true */
    return 0;
}
