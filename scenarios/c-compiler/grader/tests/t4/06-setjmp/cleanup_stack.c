#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

struct frame { jmp_buf env; struct frame *prev; };
static struct frame *top;
static int allocated, freed;
static volatile int thrown;  /* setjmp's value, kept where longjmp cannot lose it */

static void throw_(int code) { thrown = code; longjmp(top->env, code); }

static void *checked_alloc(size_t n, int fail) {
    if (fail) throw_(12);
    allocated++;
    return malloc(n);
}

static int task(int fail_at) {
    struct frame f;
    f.prev = top;
    top = &f;
    char *volatile a = NULL, *volatile b = NULL;
    thrown = 0;
    if (setjmp(f.env) == 0) {
        a = checked_alloc(10, fail_at == 1);
        b = checked_alloc(20, fail_at == 2);
    }
    if (a) { free(a); freed++; }
    if (b) { free(b); freed++; }
    top = f.prev;
    return thrown;
}

int main(void) {
    for (int i = 0; i < 3; i++) printf("task(%d) -> %d\n", i, task(i));
    printf("allocated %d freed %d\n", allocated, freed);
    return allocated - freed;
}
