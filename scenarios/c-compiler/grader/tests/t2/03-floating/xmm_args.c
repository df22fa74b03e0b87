int printf(const char *fmt, ...);

double weighted(double a, int wa, double b, int wb, double c, int wc) {
    return (a * wa + b * wb + c * wc) / (wa + wb + wc);
}

double many(double a, double b, double c, double d, double e, double f, double g,
            double h, double i, double j) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j;
}

float fmix(float a, double b, float c) { return a * (float)b - c; }

int main(void) {
    printf("%.4f\n", weighted(1.5, 2, 2.5, 3, 10.0, 1));
    printf("%.1f\n", many(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    printf("%.3f\n", fmix(1.5f, 4.0, 0.25f));
    printf("%d %f %d %f\n", 1, 2.0, 3, 4.0);
    return 0;
}
