#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_int(const char *s, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s) return EINVAL;
    if (*end != '\0') return EINVAL;
    if (errno == ERANGE || v > INT_MAX || v < INT_MIN) return ERANGE;
    *out = (int)v;
    return 0;
}

int main(void) {
    const char *inputs[] = {"123", "-2147483648", "2147483648", "12x", "", "99999999999999999999"};
    for (int i = 0; i < 6; i++) {
        int v = 0;
        int rc = parse_int(inputs[i], &v);
        printf("[%s] -> %s %d\n", inputs[i], rc == 0 ? "ok" : strerror(rc), v);
    }
    return 0;
}
