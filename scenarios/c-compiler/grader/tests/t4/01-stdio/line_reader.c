#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    FILE *f = fopen("words.txt", "w");
    fputs("banana\napple\ncherry\n\ndate\n", f);
    fclose(f);
    f = fopen("words.txt", "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int count = 0;
    size_t longest = 0;
    while ((len = getline(&line, &cap, f)) != -1) {
        if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
        if (len == 0) continue;
        count++;
        if ((size_t)len > longest) longest = len;
        printf("%zd:%s\n", len, line);
    }
    free(line);
    fclose(f);
    remove("words.txt");
    printf("%d %zu\n", count, longest);
    return 0;
}
