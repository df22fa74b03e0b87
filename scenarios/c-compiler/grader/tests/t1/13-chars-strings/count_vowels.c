int main(void) {
    char *s = "the quick brown fox jumps over the lazy dog";
    int v = 0;
    for (int i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u')
            v++;
    }
    return v;
}
