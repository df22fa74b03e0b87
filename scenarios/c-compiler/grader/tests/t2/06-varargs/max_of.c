#include <stdarg.h>
int printf(const char *fmt, ...);

long max_of(long first, ...) {
    va_list ap;
    va_start(ap, first);
    long best = first, v;
    while ((v = va_arg(ap, long)) != 0)
        if (v > best) best = v;
    va_end(ap);
    return best;
}

char *join(char *out, const char *sep, ...) {
    va_list ap;
    va_start(ap, sep);
    char *o = out;
    const char *s;
    int first = 1;
    while ((s = va_arg(ap, const char *)) != 0) {
        if (!first) for (const char *q = sep; *q; q++) *o++ = *q;
        first = 0;
        while (*s) *o++ = *s++;
    }
    *o = 0;
    va_end(ap);
    return out;
}

int main(void) {
    printf("%ld\n", max_of(3L, 9L, -2L, 15L, 4L, 0L));
    printf("%ld\n", max_of(-5L, -7L, 0L));
    char buf[64];
    printf("%s\n", join(buf, ", ", "a", "bb", "ccc", (char *)0));
    printf("%s\n", join(buf, "-", "x", "y", "z", "w", "v", "u", "t", (char *)0));
    return 0;
}
