#include <stdarg.h>
int putchar(int c);

void put_num(long n) {
    if (n < 0) { putchar('-'); n = -n; }
    if (n >= 10) put_num(n / 10);
    putchar('0' + n % 10);
}

void say(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') { putchar(*p); continue; }
        p++;
        if (*p == 'd') put_num(va_arg(ap, int));
        else if (*p == 'l') put_num(va_arg(ap, long));
        else if (*p == 's') for (const char *s = va_arg(ap, const char *); *s; s++) putchar(*s);
        else if (*p == 'c') putchar(va_arg(ap, int));
        else putchar(*p);
    }
    va_end(ap);
}

int main(void) {
    say("%d + %d = %d\n", 2, 3, 5);
    say("[%s] [%c] [%l] %%\n", "text", 'x', -12345678901L);
    return 0;
}
