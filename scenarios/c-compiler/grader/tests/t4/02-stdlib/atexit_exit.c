#include <stdio.h>
#include <stdlib.h>

static void first(void) { printf("first registered, last run\n"); }
static void second(void) { printf("second registered, first run\n"); }

static void finish(int code) {
    printf("finishing with %d\n", code);
    exit(code);
}

int main(void) {
    atexit(first);
    atexit(second);
    printf("main body\n");
    finish(3);
    printf("never\n");
    return 0;
}
