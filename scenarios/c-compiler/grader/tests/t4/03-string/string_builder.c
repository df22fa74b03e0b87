#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sb { char *buf; size_t len, cap; };

static void sb_add(struct sb *b, const char *s) {
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 8;
        b->buf = realloc(b->buf, b->cap);
    }
    memcpy(b->buf + b->len, s, n + 1);
    b->len += n;
}

int main(void) {
    struct sb b = {0};
    char num[16];
    for (int i = 0; i < 30; i++) {
        snprintf(num, sizeof num, "%d,", i * 7);
        sb_add(&b, num);
    }
    printf("%zu %zu\n", b.len, b.cap);
    printf("%s\n", b.buf + b.len - 12);
    char *last = strrchr(b.buf, ',');
    *last = 0;
    printf("%s\n", strrchr(b.buf, ',') + 1);
    free(b.buf);
    return 0;
}
