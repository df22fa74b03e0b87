int printf(const char *fmt, ...);

#ifndef BUFSIZE
#define BUFSIZE 16
#endif
#ifndef BUFSIZE
#define BUFSIZE 999
#endif

#if BUFSIZE >= 16
typedef long word;
#else
typedef char word;
#endif

#define MODE_FAST 1
#define MODE_SAFE 2
#define MODE MODE_SAFE

int compute(int x) {
#if MODE == MODE_FAST
    return x << 1;
#elif MODE == MODE_SAFE
    return x * 2 + (x < 0);
#endif
}

int main(void) {
    word buf[BUFSIZE];
    printf("%d %d %d\n", BUFSIZE, (int)sizeof buf, compute(-3));
    return 0;
}
