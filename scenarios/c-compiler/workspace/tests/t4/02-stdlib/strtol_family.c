#include <stdio.h>
#include <stdlib.h>

int main(void) {
    char *end;
    long a = strtol("  -1234xyz", &end, 10);
    printf("%ld [%s]\n", a, end);
    printf("%ld %ld %ld\n", strtol("ff", NULL, 16), strtol("0x1A", NULL, 0), strtol("0777", NULL, 0));
    unsigned long u = strtoul("18446744073709551615", NULL, 10);
    printf("%lu\n", u);
    double d = strtod("6.02e23 rest", &end);
    printf("%g [%s]\n", d, end);
    printf("%d %ld %lld\n", atoi("42"), atol("-99"), atoll("123456789012"));
    printf("%.3f\n", atof("2.71828"));
    return 0;
}
