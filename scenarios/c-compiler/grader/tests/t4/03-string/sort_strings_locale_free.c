#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) {
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    size_t lx = strlen(x), ly = strlen(y);
    if (lx != ly) return lx < ly ? -1 : 1;
    return strcmp(x, y);
}

int main(void) {
    char text[] = "to be or not to be that is the question whether tis nobler in the mind";
    char *words[32];
    int n = 0;
    for (char *w = strtok(text, " "); w; w = strtok(NULL, " ")) words[n++] = w;
    qsort(words, n, sizeof words[0], cmp);
    for (int i = 0; i < n; i++) printf("%s%c", words[i], i + 1 < n ? ' ' : '\n');
    return n;
}
