#include <assert.h>
#include <stdio.h>

static int checked_sqrt(int x) {
    assert(x >= 0);
    int r = 0;
    while ((r + 1) * (r + 1) <= x) r++;
    return r;
}

int main(void) {
    printf("%d\n", checked_sqrt(50));
    fflush(stdout);
    printf("%d\n", checked_sqrt(-1));   /* the assertion fails: abort, exit 134 */
    return 0;
}
