int printf(const char *fmt, ...);

const char *classify(int c) {
    switch (c) {
    case ' ': case '\t': case '\n':
        goto space;
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return "digit";
    default:
        if ((c | 32) >= 'a' && (c | 32) <= 'z') goto letter;
        return "other";
    }
space:
    return "space";
letter:
    return "letter";
}

int main(void) {
    const char *s = "a1 ?Z\t9";
    for (const char *p = s; *p; p++) printf("%s ", classify(*p));
    printf("\n");
    return 0;
}
