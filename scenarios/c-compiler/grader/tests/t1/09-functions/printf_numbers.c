int printf(char *fmt, ...);
int main(void) {
    printf("%d %d %d\n", 1, -2, 300);
    printf("sum=%d\n", 40 + 2);
    return 0;
}
