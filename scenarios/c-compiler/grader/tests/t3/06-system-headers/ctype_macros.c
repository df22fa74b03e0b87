#include <ctype.h>
#include <stdio.h>

int main(void) {
    const char *s = "Hello, World 42!";
    int up = 0, low = 0, dig = 0, sp = 0, pun = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        up += isupper(c) != 0;
        low += islower(c) != 0;
        dig += isdigit(c) != 0;
        sp += isspace(c) != 0;
        pun += ispunct(c) != 0;
    }
    printf("%d %d %d %d %d\n", up, low, dig, sp, pun);
    for (const char *p = s; *p; p++) putchar(toupper((unsigned char)*p));
    putchar('\n');
    return 0;
}
