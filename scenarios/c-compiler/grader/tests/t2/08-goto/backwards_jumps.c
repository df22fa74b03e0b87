int printf(const char *fmt, ...);

long collatz(long n) {
    long steps = 0;
top:
    if (n == 1) return steps;
    steps++;
    if (n % 2) goto odd;
    n /= 2;
    goto top;
odd:
    n = 3 * n + 1;
    goto top;
}

int main(void) {
    for (long n = 1; n <= 10; n++) printf("%ld ", collatz(n));
    printf("\n%ld\n", collatz(837799));
    return 0;
}
