int printf(const char *fmt, ...);

int main(void) {
    int n = 0;
    goto inside;
    {
        n = 100;
inside:
        n += 5;
        printf("%d\n", n);
    }
    int k = 3;
loop:
    if (k-- > 0) {
        n *= 2;
        goto loop;
    }
    printf("%d %d\n", n, k);
    return n & 0xff;
}
