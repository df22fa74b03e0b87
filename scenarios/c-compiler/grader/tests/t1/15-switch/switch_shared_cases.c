int kind(char c) {
    switch (c) {
    case 'a':
    case 'e':
    case 'i':
    case 'o':
    case 'u':
        return 1;
    case ' ':
        return 2;
    default:
        return 0;
    }
}
int main(void) {
    char *s = "hello world out";
    int vowels = 0;
    int spaces = 0;
    for (int i = 0; s[i]; i++) {
        int k = kind(s[i]);
        if (k == 1) vowels++;
        if (k == 2) spaces++;
    }
    return vowels * 10 + spaces;
}
