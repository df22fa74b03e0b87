#include <stdarg.h>
int printf(const char *fmt, ...);

double total(int n, ...) {
    va_list ap;
    va_start(ap, n);
    double s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, double);  /* floats arrive as doubles */
    va_end(ap);
    return s;
}

int chars(int n, ...) {
    va_list ap;
    va_start(ap, n);
    int s = 0;
    for (int i = 0; i < n; i++) s = s * 10 + (va_arg(ap, int) - '0');  /* chars as ints */
    va_end(ap);
    return s;
}

int main(void) {
    float a = 1.25f, b = 2.5f;
    printf("%.3f\n", total(2, a, b));
    char c1 = '4', c2 = '2';
    short sh = '7';
    printf("%d\n", chars(3, c1, c2, sh));
    printf("%f %f\n", a, b);
    return 0;
}
