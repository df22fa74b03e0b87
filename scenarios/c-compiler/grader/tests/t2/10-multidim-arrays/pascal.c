int printf(const char *fmt, ...);

long tri[20][20];

int main(void) {
    for (int n = 0; n < 20; n++) {
        tri[n][0] = tri[n][n] = 1;
        for (int k = 1; k < n; k++) tri[n][k] = tri[n - 1][k - 1] + tri[n - 1][k];
    }
    for (int n = 0; n < 8; n++) {
        for (int k = 0; k <= n; k++) printf("%ld ", tri[n][k]);
        printf("\n");
    }
    long sum = 0;
    for (int k = 0; k < 20; k++) sum += tri[19][k];
    printf("%ld %ld\n", tri[19][9], sum);
    return 0;
}
