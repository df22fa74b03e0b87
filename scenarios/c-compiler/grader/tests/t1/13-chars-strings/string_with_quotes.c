int puts(char *s);
int main(void) {
    puts("she said \"hi\" \\ ok");
    return '"';
}
