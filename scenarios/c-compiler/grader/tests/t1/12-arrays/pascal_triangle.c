int printf(char *fmt, ...);
int main(void) {
    int row[10];
    for (int n = 0; n < 7; n++) {
        row[n] = 1;
        for (int k = n - 1; k > 0; k--)
            row[k] = row[k] + row[k - 1];
        for (int k = 0; k <= n; k++)
            printf("%d ", row[k]);
        printf("\n");
    }
    return row[3];
}
