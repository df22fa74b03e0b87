#include <ctype.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    const char *text = "It's 2024: C compilers (like this one) parse 'real' headers!\tDone.";
    int words = 0, alnum = 0, upper = 0, graph = 0, print = 0, blank = 0;
    int in = 0;
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        alnum += isalnum(c) != 0;
        upper += isupper(c) != 0;
        graph += isgraph(c) != 0;
        print += isprint(c) != 0;
        blank += isblank(c) != 0;
        if (isalpha(c) && !in) { words++; in = 1; }
        else if (!isalpha(c) && c != '\'') in = 0;
    }
    printf("%d %d %d %d %d %d %zu\n", words, alnum, upper, graph, print, blank, strlen(text));
    return words;
}
