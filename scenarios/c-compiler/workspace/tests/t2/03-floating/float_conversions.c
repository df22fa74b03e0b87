int printf(const char *fmt, ...);

int main(void) {
    float f = 3.75f;
    double d = f;
    int i = (int)-2.9;
    long l = (long)1e15;
    unsigned int u = (unsigned int)4000000000.0;
    float back = (float)123456789;
    printf("%f %d %ld %u\n", d, i, l, u);
    printf("%.1f\n", back);
    printf("%f\n", (double)(f * 2));
    return (int)f;
}
