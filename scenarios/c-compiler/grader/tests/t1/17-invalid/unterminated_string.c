int puts(char *s);
int main(void) {
    puts("no end);
    return 0;
}
