int printf(const char *fmt, ...);

enum kind { K_INT, K_DOUBLE, K_STR };

struct value {
    enum kind kind;
    union {
        long i;
        double d;
        const char *s;
    } as;
};

void show(const struct value *v) {
    switch (v->kind) {
    case K_INT: printf("int %ld\n", v->as.i); break;
    case K_DOUBLE: printf("double %.3f\n", v->as.d); break;
    case K_STR: printf("str %s\n", v->as.s); break;
    }
}

int main(void) {
    struct value vals[3];
    vals[0].kind = K_INT; vals[0].as.i = -42;
    vals[1].kind = K_DOUBLE; vals[1].as.d = 2.5;
    vals[2].kind = K_STR; vals[2].as.s = "hello";
    for (int i = 0; i < 3; i++) show(&vals[i]);
    printf("%d\n", (int)sizeof(struct value));
    return 0;
}
