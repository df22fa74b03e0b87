int printf(const char *fmt, ...);

int inc(int x) { return x + 1; }
int dec(int x) { return x - 1; }

int (*choose(int up))(int) { return up ? inc : dec; }

typedef int (*unary)(int);
unary pick(char c) { return c == '+' ? inc : dec; }

int main(void) {
    int x = 10;
    x = choose(1)(x);
    x = choose(1)(x);
    x = choose(0)(x);
    printf("%d\n", x);
    const char *prog = "++-+++--+";
    for (const char *p = prog; *p; p++) x = pick(*p)(x);
    printf("%d\n", x);
    return x;
}
