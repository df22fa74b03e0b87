#include <math.h>
#include <stdio.h>

static double simpson(double (*f)(double), double a, double b, int n) {
    double h = (b - a) / n, s = f(a) + f(b);
    for (int i = 1; i < n; i++) s += f(a + i * h) * (i % 2 ? 4 : 2);
    return s * h / 3;
}

static double gauss(double x) { return exp(-x * x); }

int main(void) {
    printf("%.8f\n", simpson(sin, 0, acos(-1.0), 100));
    printf("%.8f\n", simpson(gauss, -5, 5, 1000) * simpson(gauss, -5, 5, 1000));
    printf("%.8f\n", simpson(sqrt, 0, 1, 1000));
    return 0;
}
