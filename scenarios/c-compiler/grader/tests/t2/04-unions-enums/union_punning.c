int printf(const char *fmt, ...);

union dbl {
    double d;
    unsigned long bits;
    unsigned int halves[2];
};

int main(void) {
    union dbl u;
    u.d = 1.0;
    printf("%lx\n", u.bits);
    u.d = -2.5;
    printf("%x %x\n", u.halves[1], u.halves[0]);
    u.bits = 0x400921fb54442d18ul;
    printf("%.10f\n", u.d);
    u.bits = 0x7ff0000000000000ul;
    printf("%d\n", u.d > 1e308);
    return (int)(u.bits >> 60);
}
