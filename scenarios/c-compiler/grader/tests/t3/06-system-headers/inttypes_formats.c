#include <inttypes.h>
#include <stdio.h>

int main(void) {
    int64_t a = -1234567890123LL;
    uint32_t b = 4000000000u;
    uint16_t c = 65535;
    printf("%" PRId64 " %" PRIu32 " %" PRIx32 " %" PRIu16 "\n", a, b, b, c);
    intmax_t m = INTMAX_MAX;
    printf("%jd\n", m);
    uintptr_t p = (uintptr_t)&a;
    printf("%d\n", p != 0);
    return 0;
}
