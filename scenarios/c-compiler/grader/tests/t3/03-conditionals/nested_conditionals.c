int printf(const char *fmt, ...);

#define OS 2
#define DEBUG 1

int main(void) {
#if OS == 1
    printf("os one\n");
#  if DEBUG
    printf("never\n");
#  endif
#elif OS == 2
    printf("os two\n");
#  ifdef DEBUG
#    if DEBUG > 1
    printf("verbose\n");
#    else
    printf("debug\n");
#    endif
#  endif
#else
#  error this branch is skipped: its directives are not processed
#endif
#if 0
    this is not C at all, but it is skipped #define X
#endif
    return OS;
}
