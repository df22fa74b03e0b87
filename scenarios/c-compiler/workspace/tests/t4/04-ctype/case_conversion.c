#include <ctype.h>
#include <stdio.h>

int main(void) {
    const char *s = "Mixed CASE text, 123!";
    for (const char *p = s; *p; p++) putchar(toupper((unsigned char)*p));
    putchar('\n');
    for (const char *p = s; *p; p++) putchar(tolower((unsigned char)*p));
    putchar('\n');
    int swapped = 0;
    for (const char *p = s; *p; p++) {
        int c = (unsigned char)*p;
        putchar(isupper(c) ? tolower(c) : islower(c) ? toupper(c) : c);
        swapped += isalpha(c) != 0;
    }
    putchar('\n');
    return swapped;
}
