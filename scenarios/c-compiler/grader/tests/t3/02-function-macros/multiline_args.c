int printf(const char *fmt, ...);

#define SUM4(a, b, c, d) ((a) + (b) + (c) + (d))
#define SHOW(expr) printf("%d\n", expr)

int main(void) {
    int r = SUM4(1,
                 2,
                 3,   /* a comment inside the arguments */
                 4);
    SHOW(r);
    SHOW(SUM4(
        10, 20,
        30, 40
    ));
    return r;
}
