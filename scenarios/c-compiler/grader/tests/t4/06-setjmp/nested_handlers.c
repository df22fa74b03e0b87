#include <setjmp.h>
#include <stdio.h>

static jmp_buf *current;
static volatile int code;  /* setjmp's value, set where it jumps */

static void raise_error(int c) { code = c; longjmp(*current, c); }

static int inner(int x) {
    jmp_buf local, *saved = current;
    current = &local;
    if (setjmp(local) != 0) {
        current = saved;
        printf("inner caught %d\n", code);
        if (code > 1) raise_error(code * 10);   /* rethrow outward */
        return -1;
    }
    if (x < 0) raise_error(-x);
    current = saved;
    return x * 2;
}

int main(void) {
    jmp_buf outer;
    current = &outer;
    if (setjmp(outer) != 0) {
        printf("outer caught %d\n", code);
        return code % 256;
    }
    printf("%d\n", inner(5));
    printf("%d\n", inner(-1));
    printf("%d\n", inner(-3));
    printf("never\n");
    return 0;
}
