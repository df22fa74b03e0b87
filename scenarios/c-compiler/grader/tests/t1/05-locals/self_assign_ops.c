int main(void) {
    int n = 7;
    n = n * n - n;
    n = n / 2 + n % 5;
    return n;
}
