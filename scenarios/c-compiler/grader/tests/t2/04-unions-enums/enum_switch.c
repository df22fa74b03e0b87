int printf(const char *fmt, ...);

typedef enum { TOK_NUM, TOK_PLUS, TOK_MINUS, TOK_STAR, TOK_END } tok;

int eval(const tok *t, const int *vals) {
    int acc = vals[0], i = 1;
    while (t[i] != TOK_END) {
        tok op = t[i];
        int rhs = vals[i + 1];
        switch (op) {
        case TOK_PLUS: acc += rhs; break;
        case TOK_MINUS: acc -= rhs; break;
        case TOK_STAR: acc *= rhs; break;
        default: return -1;
        }
        i += 2;
    }
    return acc;
}

int main(void) {
    tok t[] = {TOK_NUM, TOK_PLUS, TOK_NUM, TOK_STAR, TOK_NUM, TOK_MINUS, TOK_NUM, TOK_END};
    int v[] = {2, 0, 3, 0, 4, 0, 5, 0};
    printf("%d\n", eval(t, v));
    return eval(t, v);
}
