int printf(const char *fmt, ...);

int main(void) {
    double x = 10.0;
    x += 2.5;
    x *= 2;
    x -= 1;
    x /= 4;
    printf("%f\n", x);
    float f = 1.0f;
    for (int i = 0; i < 10; i++) f *= 1.1f;
    printf("%.5f\n", f);
    double y = -x;
    printf("%f %d\n", y, !y);
    double z = 0;
    printf("%d %d\n", !z, z ? 1 : 2);
    int n = 7;
    n *= 1.5;      /* converted back to int: 10 */
    printf("%d\n", n);
    double inc = 0.5;
    inc++;
    printf("%f\n", inc);
    return n;
}
