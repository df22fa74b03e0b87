int printf(const char *fmt, ...);

enum op { ADD, SUB, MUL, DIV, MOD, NUM_OPS };
static const char symbols[NUM_OPS] = {'+', '-', '*', '/', '%'};

long apply(enum op o, long a, long b) {
    if (o == ADD) return a + b;
    if (o == SUB) return a - b;
    if (o == MUL) return a * b;
    if (o == DIV) return a / b;
    return a % b;
}

int main(void) {
    long a = 47, b = 6;
    for (enum op o = ADD; o < NUM_OPS; o++)
        printf("%ld %c %ld = %ld\n", a, symbols[o], b, apply(o, a, b));
    return NUM_OPS;
}
