#include <setjmp.h>
#include <stdio.h>

static jmp_buf jb;
static volatile int code;  /* setjmp's value, set where it jumps */

static void bump_and_jump(volatile int *p) { (*p)++; code = *p; longjmp(jb, *p); }

int main(void) {
    volatile int counter = 0;
    volatile double acc = 0.5;
    setjmp(jb);  /* a whole expression statement: C11 7.13.1.1 */
    acc *= 2;
    if (code < 5) {
        int c = counter;
        counter = c + 1;
        bump_and_jump(&counter);
    }
    printf("%d %d %.1f\n", code, counter, acc);
    return counter;
}
