#include <stdarg.h>
int printf(const char *fmt, ...);

double mean(int n, ...) {
    va_list ap;
    va_start(ap, n);
    double s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, double);
    va_end(ap);
    return s / n;
}

int main(void) {
    printf("%.3f\n", mean(3, 1.0, 2.0, 4.5));
    printf("%.3f\n", mean(12, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.5));
    return (int)mean(2, 10.0, 20.0);
}
