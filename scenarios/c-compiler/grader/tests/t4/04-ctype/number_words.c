#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    const char *in = "  42 apples, -7 pears;\t+15 plums and 0x1F figs ";
    const char *p = in;
    long total = 0;
    int count = 0;
    while (*p) {
        if (isdigit((unsigned char)*p) || ((*p == '-' || *p == '+') && isdigit((unsigned char)p[1]))) {
            char *end;
            long v = strtol(p, &end, 0);
            printf("number %ld then '%c'\n", v, isspace((unsigned char)*end) ? '_' : *end);
            total += v;
            count++;
            p = end;
        } else {
            p++;
        }
    }
    printf("%d numbers, total %ld\n", count, total);
    return count;
}
