int printf(const char *fmt, ...);

#define HAVE_X 1
#define HAVE_ZERO 0

int main(void) {
#if defined(HAVE_X) && defined HAVE_ZERO
    printf("both defined\n");
#endif
#if HAVE_ZERO
    printf("never\n");
#endif
#if !defined(HAVE_Y) || HAVE_Y > 5
    printf("no Y\n");
#endif
#if UNDEFINED_NAME == 0
    printf("unknown names are 0\n");
#endif
#if defined(HAVE_X) + defined(HAVE_ZERO) + defined(HAVE_Y) == 2
    printf("two of three\n");
#endif
    return 0;
}
