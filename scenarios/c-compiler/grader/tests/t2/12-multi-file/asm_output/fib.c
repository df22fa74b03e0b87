long memo[50];
long fib(int n) {
    long a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        long t = a + b;
        a = b;
        b = t;
        if (i < 50) memo[i] = a;
    }
    return a;
}
