int printf(char *fmt, ...);
int encode(char *in, char *out) {
    int n = 0;
    while (*in) {
        char c = *in;
        int run = 0;
        while (*in == c) {
            run++;
            in++;
        }
        out[n++] = c;
        if (run > 1) {
            if (run >= 10) out[n++] = '0' + run / 10;
            out[n++] = '0' + run % 10;
        }
    }
    out[n] = 0;
    return n;
}
int main(void) {
    char buf[64];
    int n = encode("aaabccddddddddddddeffg", buf);
    printf("%s\n", buf);
    return n;
}
