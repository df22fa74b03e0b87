int printf(const char *fmt, ...);

#define OP(a, op, b) ((a) op (b))
#define ASSIGN_OP(x, op, v) x op##= v

int main(void) {
    int x = 10;
    ASSIGN_OP(x, +, 5);
    ASSIGN_OP(x, *, 2);
    ASSIGN_OP(x, <<, 1);
    printf("%d\n", x);
    printf("%d %d\n", OP(7, -, 2), OP(7, %, 4));
    return 0;
}
