int main(void) {
    char *s = "\x41\x42\x43";
    return s[0] + s[1] + s[2] - 190;
}
