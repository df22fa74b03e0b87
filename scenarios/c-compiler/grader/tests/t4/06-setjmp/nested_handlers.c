#include <setjmp.h>
#include <stdio.h>

static jmp_buf *current;

static void raise_error(int code) { longjmp(*current, code); }

static int inner(int x) {
    jmp_buf local, *saved = current;
    current = &local;
    int code = setjmp(local);
    if (code) {
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
    int code = setjmp(outer);
    if (code) {
        printf("outer caught %d\n", code);
        return code % 256;
    }
    printf("%d\n", inner(5));
    printf("%d\n", inner(-1));
    printf("%d\n", inner(-3));
    printf("never\n");
    return 0;
}
