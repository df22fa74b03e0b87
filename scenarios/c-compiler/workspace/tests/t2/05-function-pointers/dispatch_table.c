int printf(const char *fmt, ...);

typedef long (*binop)(long, long);

long add(long a, long b) { return a + b; }
long sub(long a, long b) { return a - b; }
long mul(long a, long b) { return a * b; }

int main(void) {
    binop ops[3] = {add, sub, mul};
    const char *names = "+-*";
    for (int i = 0; i < 3; i++)
        printf("9 %c 4 = %ld\n", names[i], ops[i](9, 4));
    return (int)ops[2](ops[0](1, 2), 5);
}
