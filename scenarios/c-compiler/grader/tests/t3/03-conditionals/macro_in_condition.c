int printf(const char *fmt, ...);

#define BITS 64
#define IS_64 (BITS == 64)
#define CHECK(x) ((x) * 2 > 10)
#define EMPTY_DEF

int main(void) {
#if IS_64
    printf("64-bit\n");
#endif
#if CHECK(6) && !CHECK(5)
    printf("function-like in #if\n");
#endif
#ifdef EMPTY_DEF
    printf("empty but defined\n");
#endif
#undef BITS
#if IS_64
    printf("never\n");
#else
    printf("BITS gone\n");
#endif
    return 0;
}
