int printf(const char *fmt, ...);

#define VERSION 20304
#define MAJOR (VERSION / 10000)
#define MINOR (VERSION / 100 % 100)

int main(void) {
#if MAJOR == 2 && MINOR >= 3
    printf("new enough\n");
#endif
#if (1 << 4) + 3 * 2 - 1 == 21
    printf("arith ok\n");
#endif
#if -1 < 0
    printf("signed\n");
#endif
#if -1 > 0u
    printf("unsigned comparison\n");
#endif
#if 0x7fffffffffffffff > 0 && 'A' == 65 && '\n' == 10
    printf("wide and chars\n");
#endif
#if 10 % 4 == 2 && !0 && ~0 == -1 && (5 ^ 3) == 6
    printf("operators\n");
#endif
#if 1 ? 2 : (1 / 0)
    printf("ternary\n");
#endif
    return MINOR;
}
