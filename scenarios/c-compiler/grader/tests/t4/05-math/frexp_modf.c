#include <math.h>
#include <stdio.h>

int main(void) {
    int e;
    double m = frexp(48.0, &e);
    printf("%.4f %d\n", m, e);
    printf("%.1f\n", ldexp(0.75, 6));
    double ip;
    double frac = modf(-3.625, &ip);
    printf("%.3f %.1f\n", frac, ip);
    printf("%.4f %.4f\n", cbrt(27.0), exp2(10.0));
    printf("%.6f %.6f\n", log2(1024.0), log1p(0.0));
    return e;
}
