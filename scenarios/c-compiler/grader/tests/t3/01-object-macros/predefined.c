int printf(const char *fmt, ...);

int main(void) {
    printf("%d\n", __STDC__);
    printf("%d\n", __STDC_VERSION__ >= 199901L);
    printf("%d\n", __x86_64__);
    printf("%d\n", __LP64__);
    printf("%d %d\n", __CHAR_BIT__, (int)sizeof(long) == 8);
    printf("%d\n", __linux__);
    return 0;
}
