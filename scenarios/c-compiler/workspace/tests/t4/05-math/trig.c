#include <math.h>
#include <stdio.h>

int main(void) {
    const double pi = acos(-1.0);
    for (int deg = 0; deg <= 180; deg += 30) {
        double r = deg * pi / 180;
        printf("%3d %9.6f %9.6f\n", deg, sin(r), cos(r));
    }
    printf("%.6f %.6f\n", atan2(1.0, -1.0), atan(1.0) * 4);
    printf("%.6f\n", tan(pi / 4));
    return 0;
}
