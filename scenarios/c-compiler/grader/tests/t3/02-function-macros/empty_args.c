int printf(const char *fmt, ...);

#define JOIN3(a, b, c) a b c
#define OPT(x) x + 0
#define NOTHING()
#define DEFAULT(x) (0 x + 1)

int main(void) {
    int v = JOIN3(1, , + 2);
    printf("%d\n", v);
    printf("%d\n", OPT());
    NOTHING()
    printf("%d %d\n", DEFAULT(), DEFAULT(+ 5));
    return 0;
}
