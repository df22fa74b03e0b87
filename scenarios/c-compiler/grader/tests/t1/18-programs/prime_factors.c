int printf(char *fmt, ...);
int factor(int n) {
    int count = 0;
    printf("%d =", n);
    for (int d = 2; d * d <= n; d++) {
        while (n % d == 0) {
            printf(" %d", d);
            n /= d;
            count++;
        }
    }
    if (n > 1) {
        printf(" %d", n);
        count++;
    }
    printf("\n");
    return count;
}
int main(void) {
    int total = 0;
    total += factor(360);
    total += factor(97);
    total += factor(1001);
    total += factor(65536);
    return total;
}
