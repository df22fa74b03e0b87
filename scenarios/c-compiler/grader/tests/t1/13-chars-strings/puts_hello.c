int puts(char *s);
int main(void) {
    puts("Hello, world!");
    return 0;
}
