#include <stdarg.h>
int printf(const char *fmt, ...);

void both(int n, ...) {
    va_list ap, again;
    va_start(ap, n);
    va_copy(again, ap);
    long s = 0, p = 1;
    for (int i = 0; i < n; i++) s += va_arg(ap, long);
    for (int i = 0; i < n; i++) p *= va_arg(again, long);
    va_end(again);
    va_end(ap);
    printf("sum %ld product %ld\n", s, p);
}

int main(void) {
    both(4, 1L, 2L, 3L, 4L);
    both(8, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    return 0;
}
