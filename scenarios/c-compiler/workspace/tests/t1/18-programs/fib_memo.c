long memo[60];
long fib(int n) {
    if (n < 2) return n;
    if (memo[n]) return memo[n];
    memo[n] = fib(n - 1) + fib(n - 2);
    return memo[n];
}
int main(void) {
    return fib(50) % 256;
}
