int printf(const char *fmt, ...);

long widen_char(signed char c) { return c; }
long widen_uchar(unsigned char c) { return c; }
long widen_short(short s) { return s; }
unsigned long widen_uint(unsigned int u) { return u; }
long widen_int(int i) { return i; }

int main(void) {
    printf("%ld %ld\n", widen_char(-3), widen_uchar(253));
    printf("%ld\n", widen_short(-30000));
    printf("%lu\n", widen_uint(4000000000u));
    printf("%ld\n", widen_int(-2000000000));
    signed char arr[3] = {-1, -2, -3};
    long sum = 0;
    for (int i = 0; i < 3; i++) sum += arr[i];
    printf("%ld\n", sum);
    return (int)(sum + 10);
}
