#include <ctype.h>
#include <stdio.h>

int main(void) {
    const char *src = "int x1 = foo_bar(y, 42) + _tmp9 * 3e5;";
    const char *p = src;
    while (*p) {
        if (isalpha((unsigned char)*p) || *p == '_') {
            const char *start = p;
            while (isalnum((unsigned char)*p) || *p == '_') p++;
            printf("ident %.*s\n", (int)(p - start), start);
        } else if (isdigit((unsigned char)*p)) {
            const char *start = p;
            while (isalnum((unsigned char)*p)) p++;
            printf("number %.*s\n", (int)(p - start), start);
        } else {
            if (!isspace((unsigned char)*p)) printf("punct %c\n", *p);
            p++;
        }
    }
    return 0;
}
