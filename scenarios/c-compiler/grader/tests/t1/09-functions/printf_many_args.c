int printf(char *fmt, ...);
int main(void) {
    printf("%d %d %d %d %d %d %d %d %d\n", 1, 2, 3, 4, 5, 6, 7, 8, 9);
    return 3;
}
