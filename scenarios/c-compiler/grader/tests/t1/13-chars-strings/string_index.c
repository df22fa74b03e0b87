int main(void) {
    char *s = "hello";
    return s[1];
}
