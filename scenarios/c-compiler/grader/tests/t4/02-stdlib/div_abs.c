#include <stdio.h>
#include <stdlib.h>

int main(void) {
    div_t d = div(-17, 5);
    ldiv_t ld = ldiv(1000000000007L, 1000L);
    lldiv_t lld = lldiv(-9000000000000000001LL, 7LL);
    printf("%d %d\n", d.quot, d.rem);
    printf("%ld %ld\n", ld.quot, ld.rem);
    printf("%lld %lld\n", lld.quot, lld.rem);
    printf("%d %ld %lld\n", abs(-5), labs(-6000000000L), llabs(-7LL));
    return d.rem + 10;
}
