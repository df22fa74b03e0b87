int printf(const char *fmt, ...);
#include "where.h"
int main(void) {
    printf("%s:%d\n", __FILE__, __LINE__);
    WHERE();
    /* the spelling of an included file's name is the compiler's own ("where.h", "./where.h") */
    const char *h = header_file();
    int n = 0;
    while (h[n]) n++;
    printf("%d\n", n >= 7 && h[n - 7] == 'w' && h[n - 1] == 'h');
#line 100
    printf("%d\n", __LINE__);
#line 7 "renamed.c"
    printf("%s:%d\n", __FILE__, __LINE__);
    return 0;
}
