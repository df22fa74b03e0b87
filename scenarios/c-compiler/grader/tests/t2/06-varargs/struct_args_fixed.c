#include <stdarg.h>
int printf(const char *fmt, ...);

struct acc { long total; int items; };

void add_all(struct acc *a, const char *label, ...) {
    va_list ap;
    va_start(ap, label);
    int v;
    while ((v = va_arg(ap, int)) >= 0) { a->total += v; a->items++; }
    va_end(ap);
    printf("%s: %ld over %d\n", label, a->total, a->items);
}

int main(void) {
    struct acc a = {0, 0};
    add_all(&a, "first", 5, 10, 15, -1);
    add_all(&a, "second", 1, 2, 3, 4, 5, 6, 7, 8, 9, -1);
    add_all(&a, "empty", -1);
    return a.items;
}
