#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rec { char c; int32_t i; int64_t l; };

int main(void) {
    size_t n = sizeof(struct rec);
    struct rec r[3];
    ptrdiff_t d = &r[2] - &r[0];
    printf("%zu %td %zu\n", n, d, offsetof(struct rec, i));
    uint8_t u8 = 255;
    int16_t s16 = INT16_MIN;
    uint64_t big = UINT64_MAX;
    printf("%d %d %llu\n", u8, s16, (unsigned long long)big);
    printf("%d %d\n", (int)sizeof(intptr_t), (int)sizeof(uint_least16_t));
    return (int)offsetof(struct rec, l);
}
