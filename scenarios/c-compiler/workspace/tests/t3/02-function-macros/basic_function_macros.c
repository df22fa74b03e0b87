int printf(const char *fmt, ...);

#define SQUARE(x) ((x) * (x))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define BAD_SQUARE(x) x * x

int main(void) {
    int n = 3;
    printf("%d %d\n", SQUARE(n + 1), BAD_SQUARE(n + 1));
    printf("%d\n", MAX(SQUARE(2), MAX(3, 5)));
    printf("%d\n", SQUARE(SQUARE(2)));
    return MAX(n, 7);
}
