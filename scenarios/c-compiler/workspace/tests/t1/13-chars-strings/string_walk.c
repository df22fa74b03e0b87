int main(void) {
    char *s = "abcd";
    int n = 0;
    while (*s) {
        n += *s - 'a';
        s++;
    }
    return n;
}
