#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

/* a parser that bails out from deep recursion on a syntax error */
static const char *p;
static jmp_buf fail;
static volatile int err;  /* setjmp's value, set where it jumps */

static void bail(int code) { err = code; longjmp(fail, code); }

static long expr(void);

static long atom(void) {
    if (*p == '(') { p++; long v = expr(); if (*p++ != ')') bail(2); return v; }
    if (*p < '0' || *p > '9') bail(1);
    long v = 0;
    while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    return v;
}

static long term(void) { long v = atom(); while (*p == '*') { p++; v *= atom(); } return v; }
static long expr(void) { long v = term(); while (*p == '+') { p++; v += term(); } return v; }

int main(void) {
    const char *inputs[] = {"2+3*4", "(1+2)*(3+4)", "2+*3", "((5)", "7*(8+9)+1"};
    for (int i = 0; i < 5; i++) {
        p = inputs[i];
        err = 0;
        if (setjmp(fail) != 0) printf("%-12s error %d at offset %ld\n", inputs[i], err, (long)(p - inputs[i]));
        else printf("%-12s = %ld\n", inputs[i], expr());
    }
    return 0;
}
