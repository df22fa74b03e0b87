#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    errno = 0;
    long v = strtol("99999999999999999999", NULL, 10);
    printf("%d %ld\n", errno == ERANGE, v == LONG_MAX);
    assert(v > 0);
    errno = EINVAL;
    printf("%d\n", errno);
    return 0;
}
