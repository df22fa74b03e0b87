#include <stdio.h>
#include <string.h>

static void reverse(char *s, size_t n) {
    for (size_t i = 0; i < n / 2; i++) { char t = s[i]; s[i] = s[n - 1 - i]; s[n - 1 - i] = t; }
}

int main(void) {
    char s[] = "the quick brown fox jumps";
    size_t len = strlen(s);
    reverse(s, len);
    for (char *w = s; *w;) {
        size_t wl = strcspn(w, " ");
        reverse(w, wl);
        w += wl;
        w += strspn(w, " ");
    }
    printf("%s\n", s);
    return (int)len;
}
