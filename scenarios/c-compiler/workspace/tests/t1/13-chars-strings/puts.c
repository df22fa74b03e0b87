int puts(char *s);
int main(void) {
    puts("hello");
    return 0;
}
