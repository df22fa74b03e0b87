int calls = 0;
int fib(int n) {
    calls++;
    if (n < 2) return n;
    return fib(n - 1) + fib(n - 2);
}
int main(void) {
    fib(10);
    return calls % 256;
}
