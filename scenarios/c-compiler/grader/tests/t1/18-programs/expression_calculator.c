int printf(char *fmt, ...);
char *p;
int expr(void);
void skip(void) {
    while (*p == ' ') p++;
}
int number(void) {
    int v = 0;
    skip();
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p - '0');
        p++;
    }
    return v;
}
int factor(void) {
    skip();
    if (*p == '(') {
        p++;
        int v = expr();
        skip();
        p++;
        return v;
    }
    if (*p == '-') {
        p++;
        return -factor();
    }
    return number();
}
int term(void) {
    int v = factor();
    while (1) {
        skip();
        if (*p == '*') { p++; v = v * factor(); }
        else if (*p == '/') { p++; v = v / factor(); }
        else return v;
    }
}
int expr(void) {
    int v = term();
    while (1) {
        skip();
        if (*p == '+') { p++; v = v + term(); }
        else if (*p == '-') { p++; v = v - term(); }
        else return v;
    }
}
int eval(char *s) {
    p = s;
    int v = expr();
    printf("%s = %d\n", s, v);
    return v;
}
int main(void) {
    eval("1 + 2 * 3");
    eval("(1 + 2) * 3");
    eval("100 / (4 + 6) - -7");
    eval("2 * (3 + 4) * (5 - 1)");
    int first = eval("((15))");
    return first + eval("8 - 2 - 1");
}
