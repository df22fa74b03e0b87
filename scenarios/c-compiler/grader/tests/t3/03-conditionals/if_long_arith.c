int printf(const char *fmt, ...);

int main(void) {
#if 2147483647 + 1 > 0
    printf("intmax_t arithmetic\n");
#endif
#if 0xffffffffffffffff == -1
    printf("all ones\n");
#endif
#if (-9223372036854775807 - 1) / 2 < 0
    printf("big negative\n");
#endif
#if 18446744073709551615u / 3 == 6148914691236517205u
    printf("unsigned division\n");
#endif
#if (3 > 2) == 1 && (2 > 3) == 0
    printf("comparisons are 0 or 1\n");
#endif
    return 0;
}
