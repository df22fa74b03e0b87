int printf(const char *fmt, ...);
#include "where.h"
int main(void) {
    printf("%s:%d\n", __FILE__, __LINE__);
    WHERE();
    printf("%s\n", header_file());
#line 100
    printf("%d\n", __LINE__);
#line 7 "renamed.c"
    printf("%s:%d\n", __FILE__, __LINE__);
    return 0;
}
