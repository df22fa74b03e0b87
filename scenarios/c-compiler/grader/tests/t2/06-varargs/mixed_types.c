#include <stdarg.h>
int printf(const char *fmt, ...);

/* t: i=int, l=long, d=double, s=string, p=pointer to int */
void dump(const char *types, ...) {
    va_list ap;
    va_start(ap, types);
    for (const char *t = types; *t; t++) {
        switch (*t) {
        case 'i': printf("i:%d ", va_arg(ap, int)); break;
        case 'l': printf("l:%ld ", va_arg(ap, long)); break;
        case 'd': printf("d:%.2f ", va_arg(ap, double)); break;
        case 's': printf("s:%s ", va_arg(ap, char *)); break;
        case 'p': printf("p:%d ", *va_arg(ap, int *)); break;
        }
    }
    va_end(ap);
    printf("\n");
}

int main(void) {
    int x = 77;
    dump("idsl", 1, 2.5, "two", 3L);
    dump("ddddddddd", 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0);
    dump("iiiiiiiip", 1, 2, 3, 4, 5, 6, 7, 8, &x);
    dump("dididididi", 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5);
    return 0;
}
