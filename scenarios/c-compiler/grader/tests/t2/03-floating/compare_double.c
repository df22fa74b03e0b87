int printf(const char *fmt, ...);

int main(void) {
    double a = 0.1 + 0.2, b = 0.3;
    printf("%d %d %d\n", a == b, a > b, a < b);
    double zero = 0.0;
    double nan = zero / zero;
    printf("%d %d %d\n", nan == nan, nan != nan, nan < 1.0);
    double inf = 1.0 / zero;
    printf("%d %d\n", inf > 1e308, -inf < -1e308);
    float f = 0.1f;
    printf("%d\n", f == 0.1);
    printf("%d\n", (float)0.5 == 0.5);
    int count = 0;
    for (double x = 0; x < 1.0; x += 0.125) count++;
    return count;
}
