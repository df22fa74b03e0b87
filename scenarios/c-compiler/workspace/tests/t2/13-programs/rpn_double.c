int printf(const char *fmt, ...);

double stack[32];
int sp;

void push(double v) { stack[sp++] = v; }
double pop(void) { return stack[--sp]; }

double parse_num(const char **p) {
    double v = 0, scale = 0;
    while ((**p >= '0' && **p <= '9') || **p == '.') {
        if (**p == '.') scale = 1;
        else { v = v * 10 + (**p - '0'); scale *= 10; }
        (*p)++;
    }
    return scale ? v / scale : v;
}

double eval(const char *s) {
    sp = 0;
    while (*s) {
        if (*s == ' ') { s++; continue; }
        if (*s >= '0' && *s <= '9') { push(parse_num(&s)); continue; }
        double b = pop(), a = pop();
        switch (*s++) {
        case '+': push(a + b); break;
        case '-': push(a - b); break;
        case '*': push(a * b); break;
        case '/': push(a / b); break;
        }
    }
    return pop();
}

int main(void) {
    const char *exprs[] = {"3 4 + 2 *", "1.5 2.25 *", "10 4 / 3 -", "2 3 4 5 + * -"};
    for (int i = 0; i < 4; i++) printf("%s = %.4f\n", exprs[i], eval(exprs[i]));
    return 0;
}
