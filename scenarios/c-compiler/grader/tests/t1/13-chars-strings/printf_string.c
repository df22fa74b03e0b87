int printf(char *fmt, ...);
int main(void) {
    char *name = "toy";
    printf("hello %s, %c%c\n", name, 'o', 'k');
    return 0;
}
