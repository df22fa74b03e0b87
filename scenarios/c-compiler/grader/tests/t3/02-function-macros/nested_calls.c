int printf(const char *fmt, ...);

#define ABS(x) ((x) < 0 ? -(x) : (x))
#define CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))
#define LERP(a, b, t) ((a) + ((b) - (a)) * (t))
#define SWAP(T, a, b) do { T tmp_ = (a); (a) = (b); (b) = tmp_; } while (0)

int main(void) {
    int v[] = {-5, 3, 12, -20, 7};
    for (int i = 0; i < 5; i++) printf("%d ", CLAMP(ABS(v[i]) - 4, 0, 10));
    printf("\n%.2f\n", LERP(2.0, 10.0, 0.25));
    int a = 1, b = 2;
    if (a < b) SWAP(int, a, b); else printf("never\n");
    printf("%d %d\n", a, b);
    return ABS(-a);
}
