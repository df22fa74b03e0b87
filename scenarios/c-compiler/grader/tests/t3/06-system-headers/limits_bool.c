#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

bool fits_in_short(long v) { return v >= SHRT_MIN && v <= SHRT_MAX; }

int main(void) {
    printf("%d %d\n", INT_MAX, INT_MIN);
    printf("%ld %lu\n", LONG_MAX, ULONG_MAX);
    printf("%d %d %d\n", CHAR_BIT, SCHAR_MIN, UCHAR_MAX);
    bool t = true, f = false;
    printf("%d %d %d %d\n", t, f, fits_in_short(32767), fits_in_short(40000));
    return t + true;
}
