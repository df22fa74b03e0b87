#include <math.h>
#include <stdio.h>

int main(void) {
    printf("%.6f %.6f %.6f\n", sqrt(2.0), pow(2.0, 10.5), fabs(-3.25));
    printf("%.1f %.1f %.1f %.1f\n", floor(-2.5), ceil(-2.5), round(2.5), trunc(-2.7));
    printf("%.6f %.6f\n", fmod(10.5, 3.0), hypot(3.0, 4.0));
    printf("%.6f %.6f %.6f\n", exp(1.0), log(10.0), log10(1000.0));
    return (int)sqrt(144.0);
}
