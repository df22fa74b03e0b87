#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;

static void deep(int n) {
    if (n == 0) longjmp(env, 42);
    deep(n - 1);
    printf("never\n");
}

int main(void) {
    int r = setjmp(env);
    if (r == 0) {
        printf("first pass\n");
        deep(10);
    }
    printf("returned %d\n", r);
    return r;
}
