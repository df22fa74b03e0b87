#include <stdio.h>

int main(void) {
    int a, b;
    char word[16];
    double d;
    int n = sscanf("12 34 hello 2.5", "%d %d %15s %lf", &a, &b, word, &d);
    printf("%d: %d %d %s %.2f\n", n, a, b, word, d);
    unsigned x;
    long l;
    char c;
    n = sscanf("ff -9000000000 Q", "%x %ld %c", &x, &l, &c);
    printf("%d: %u %ld %c\n", n, x, l, c);
    n = sscanf("abc", "%d", &a);
    printf("%d\n", n);
    int day, month, year;
    sscanf("2024-03-09", "%d-%d-%d", &year, &month, &day);
    printf("%02d/%02d/%04d\n", day, month, year);
    return 0;
}
