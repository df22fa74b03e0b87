#include <stdio.h>

int main(void) {
    fprintf(stdout, "to stdout\n");
    fprintf(stderr, "to stderr (not compared)\n");
    fputs("fputs\n", stdout);
    fputc('!', stdout);
    putchar('\n');
    puts("puts adds a newline");
    fwrite("raw bytes\n", 1, 10, stdout);
    printf("%d\n", fileno(stdout));
    return ferror(stdout);
}
