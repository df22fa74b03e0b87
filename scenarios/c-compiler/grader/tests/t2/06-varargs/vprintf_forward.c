#include <stdarg.h>
int printf(const char *fmt, ...);
int vprintf(const char *fmt, va_list ap);
int vsnprintf(char *buf, unsigned long size, const char *fmt, va_list ap);

int counter;

void log_line(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("[%d] ", ++counter);
    vprintf(fmt, ap);
    va_end(ap);
}

int format(char *buf, int size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int main(void) {
    log_line("hello %s\n", "world");
    log_line("%d %x %.2f %c\n", 255, 255, 2.5, 'q');
    char buf[32];
    int n = format(buf, sizeof buf, "%05d|%-4s|%ld", 42, "ab", 1234567890123L);
    printf("%d %s\n", n, buf);
    return counter;
}
