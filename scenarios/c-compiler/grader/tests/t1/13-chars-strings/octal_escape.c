int main(void) {
    char *s = "\101\060\12";
    return s[0] + s[1] + s[2];
}
