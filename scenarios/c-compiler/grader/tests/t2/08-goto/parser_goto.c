int printf(const char *fmt, ...);

/* A tiny number parser written with gotos, as generated code often is. */
long parse(const char *s, int *ok) {
    long v = 0;
    int neg = 0;
    const char *p = s;
    if (*p == '-') { neg = 1; p++; }
    if (*p < '0' || *p > '9') goto bad;
digits:
    v = v * 10 + (*p - '0');
    p++;
    if (*p >= '0' && *p <= '9') goto digits;
    if (*p == '_') { p++; goto digits; }
    if (*p != 0) goto bad;
    *ok = 1;
    return neg ? -v : v;
bad:
    *ok = 0;
    return 0;
}

int main(void) {
    const char *in[] = {"123", "-45", "1_000_000", "12a", "-", "007"};
    for (int i = 0; i < 6; i++) {
        int ok;
        long v = parse(in[i], &ok);
        printf("%s -> %ld (%s)\n", in[i], v, ok ? "ok" : "bad");
    }
    return 0;
}
