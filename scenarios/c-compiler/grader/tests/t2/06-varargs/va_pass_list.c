#include <stdarg.h>
int printf(const char *fmt, ...);

int vsum(int n, va_list *ap) {  /* through a pointer: the caller goes on with it */
    int s = 0;
    for (int i = 0; i < n; i++) s += va_arg(*ap, int);
    return s;
}

int sum_then_more(int n, ...) {
    va_list ap;
    va_start(ap, n);
    int first = vsum(n, &ap);
    int next = va_arg(ap, int);
    va_end(ap);
    return first * 100 + next;
}

int main(void) {
    printf("%d\n", sum_then_more(3, 1, 2, 3, 9));
    printf("%d\n", sum_then_more(7, 1, 1, 1, 1, 1, 1, 1, 5));
    return 0;
}
