int printf(char *fmt, ...);
int putchar(int c);
int main(void) {
    printf("%d + %d = %d\n", 2, 3, 2 + 3);
    putchar('o');
    putchar('k');
    putchar('\n');
    return 0;
}
