#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct word { char *text; int count; };

static int by_count(const void *a, const void *b) {
    const struct word *x = a, *y = b;
    if (x->count != y->count) return y->count - x->count;
    return strcmp(x->text, y->text);
}

int main(void) {
    const char *text =
        "It was the best of times, it was the worst of times, it was the age of wisdom, "
        "it was the age of foolishness, it was the epoch of belief, it was the epoch of "
        "incredulity, it was the season of Light, it was the season of Darkness";
    struct word words[64];
    int n = 0;
    char buf[32];
    for (const char *p = text; *p;) {
        while (*p && !isalpha((unsigned char)*p)) p++;
        int len = 0;
        while (isalpha((unsigned char)*p) && len < 31) buf[len++] = (char)tolower((unsigned char)*p++);
        if (!len) break;
        buf[len] = 0;
        int i;
        for (i = 0; i < n && strcmp(words[i].text, buf); i++) ;
        if (i == n) { words[n].text = strdup(buf); words[n].count = 0; n++; }
        words[i].count++;
    }
    qsort(words, n, sizeof words[0], by_count);
    for (int i = 0; i < 6; i++) printf("%-8s %d\n", words[i].text, words[i].count);
    for (int i = 0; i < n; i++) free(words[i].text);
    return n;
}
