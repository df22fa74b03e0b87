#include <math.h>
#include <stdio.h>

int main(void) {
    float f = 2.0f;
    printf("%.5f %.5f %.5f\n", sqrtf(f), powf(f, 0.5f), expf(1.0f));
    printf("%.3f %.3f\n", fabsf(-1.5f), floorf(3.99f));
    long double ld = 2.0L;
    printf("%.6Lf\n", sqrtl(ld));
    printf("%d %d\n", (int)lround(-3.5), (int)lrint(2.5));
    return 0;
}
