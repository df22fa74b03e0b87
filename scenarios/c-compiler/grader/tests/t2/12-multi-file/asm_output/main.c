int printf(const char *fmt, ...);
long fib(int n);
extern long memo[50];
int main(void) {
    printf("%ld %ld\n", fib(40), fib(90));
    printf("%ld\n", memo[10]);
    return (int)(fib(12) % 256);
}
