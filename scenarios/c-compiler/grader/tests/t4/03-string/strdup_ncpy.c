#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    char buf[8];
    strncpy(buf, "abc", sizeof buf);
    int zeros = 0;
    for (int i = 0; i < 8; i++) zeros += buf[i] == 0;
    printf("%s %d\n", buf, zeros);
    strncpy(buf, "0123456789", sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
    printf("%s\n", buf);
    char *d = strdup("copy me");
    char *nd = strndup("prefix only", 6);
    printf("%s|%s|%d\n", d, nd, d != nd);
    free(d);
    free(nd);
    printf("%d %d\n", strncmp("apple", "apricot", 2), strcasecmp("HeLLo", "hello"));
    return 0;
}
