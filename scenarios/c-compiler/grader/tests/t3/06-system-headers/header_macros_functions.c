#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* putc/getc and friends may be macros or functions: both must work */
int main(void) {
    putc('a', stdout);
    putchar('b');
    fputc('c', stdout);
    putc('\n', stdout);
    char *copy = strdup("duplicate");
    printf("%s %d\n", copy, abs(-17));
    free(copy);
    printf("%d\n", (int)(sizeof(FILE *) == sizeof(void *)));
    fflush(stdout);
    return 0;
}
