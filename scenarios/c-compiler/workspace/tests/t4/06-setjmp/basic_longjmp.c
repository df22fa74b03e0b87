#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static volatile int r;  /* setjmp's value, set where it jumps */

static void deep(int n) {
    if (n == 0) {
        r = 42;
        longjmp(env, 42);
    }
    deep(n - 1);
    printf("never\n");
}

int main(void) {
    if (setjmp(env) == 0) {
        printf("first pass\n");
        deep(10);
    }
    printf("returned %d\n", r);
    return r;
}
