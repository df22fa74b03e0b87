int printf(char *fmt, ...);
int table[32][32];
int len(char *s) {
    int n = 0;
    while (s[n]) n++;
    return n;
}
int lcs(char *a, char *b) {
    int n = len(a);
    int m = len(b);
    for (int i = 0; i <= n; i++)
        for (int j = 0; j <= m; j++) {
            if (i == 0 || j == 0) table[i][j] = 0;
            else if (a[i - 1] == b[j - 1]) table[i][j] = table[i - 1][j - 1] + 1;
            else if (table[i - 1][j] > table[i][j - 1]) table[i][j] = table[i - 1][j];
            else table[i][j] = table[i][j - 1];
        }
    return table[n][m];
}
int main(void) {
    int a = lcs("AGGTABQWERTY", "GXTXAYBWRT");
    int b = lcs("compiler", "computer");
    printf("%d %d\n", a, b);
    return a * 10 + b;
}
