int printf(const char *fmt, ...);

struct s { int a : 4; int b : 5; unsigned c : 3; };

int main(void) {
    struct s v;
    v.a = 7;
    v.b = -16;
    v.c = 7;
    printf("%d %d %d\n", v.a, v.b, v.c);
    v.a = v.a + 1;            /* 8 does not fit a signed 4-bit field: -8 */
    printf("%d\n", v.a);
    v.b = v.b - 1 + 32;       /* 15 */
    printf("%d\n", v.b);
    return v.c;
}
