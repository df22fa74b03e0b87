#include <math.h>
#include <stdio.h>

int main(void) {
    double vals[] = {0.0, -0.0, 1.5, INFINITY, -INFINITY, NAN, 1e-310};
    const char *names[] = {"zero", "-zero", "normal", "inf", "-inf", "nan", "subnormal"};
    for (int i = 0; i < 7; i++) {
        double v = vals[i];
        /* the sign of NAN is not specified: only asked of the others */
        printf("%-9s nan=%d inf=%d finite=%d normal=%d sign=%d\n", names[i], isnan(v) != 0,
               isinf(v) != 0, isfinite(v) != 0, isnormal(v) != 0, !isnan(v) && signbit(v));
    }
    printf("%d %d\n", fpclassify(1e-310) == FP_SUBNORMAL, fpclassify(0.0) == FP_ZERO);
    printf("%.1f %.1f\n", copysign(3.0, -1.0), fmax(2.0, NAN));
    return 0;
}
