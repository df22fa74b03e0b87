int puts(char *s);
int main(void) {
    puts("glued " "together " "strings");
    return 0;
}
