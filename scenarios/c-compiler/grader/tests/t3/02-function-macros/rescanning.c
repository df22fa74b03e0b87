int printf(const char *fmt, ...);

#define PLUS_ONE(x) ((x) + 1)
#define TWICE(f, x) f(f(x))
#define INDIRECT PLUS_ONE

int main(void) {
    printf("%d\n", TWICE(PLUS_ONE, 10));
    printf("%d\n", INDIRECT(1));
    printf("%d\n", TWICE(INDIRECT, 0));
    return 0;
}
