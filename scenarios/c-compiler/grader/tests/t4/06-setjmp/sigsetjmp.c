#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static sigjmp_buf env;
static volatile sig_atomic_t hits, got;  /* got: siglongjmp's value */

static void handler(int sig) {
    hits++;
    got = sig;
    siglongjmp(env, sig);
}

int main(void) {
    signal(SIGUSR1, handler);
    sigsetjmp(env, 1);  /* a whole expression statement: C11 7.13.1.1 */
    /* the signal mask is restored on each jump, so the handler runs every time */
    if (hits < 3) {
        printf("raising %d\n", (int)hits);
        raise(SIGUSR1);
        printf("never\n");
    }
    printf("%d %d\n", (int)hits, got == SIGUSR1);
    return hits;
}
