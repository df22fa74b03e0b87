int printf(const char *fmt, ...);

#define LONG_SUM(a, b, c) \
    ((a) + \
     (b) + \
     (c))

#define TABLE \
    X(1) \
    X(2) \
    X(3)

int main(void) {
    int total = LONG_SUM(1, 2, 3);
#define X(n) total += n * 10;
    TABLE
#undef X
    printf("%d\n", total);
    return total;
}
