int puts(char *s);
int main(void) {
    puts("the end");
    return 0;
}
