int printf(const char *fmt, ...);

double fabs_(double x) { return x < 0 ? -x : x; }

int solve(int n, double a[][4], double *b, double *x) {
    int perm[4];
    for (int i = 0; i < n; i++) perm[i] = i;
    for (int k = 0; k < n; k++) {
        int p = k;
        for (int i = k + 1; i < n; i++) if (fabs_(a[i][k]) > fabs_(a[p][k])) p = i;
        if (a[p][k] == 0) return 0;
        for (int j = 0; j < n; j++) { double t = a[k][j]; a[k][j] = a[p][j]; a[p][j] = t; }
        double t = b[k]; b[k] = b[p]; b[p] = t;
        for (int i = k + 1; i < n; i++) {
            double f = a[i][k] / a[k][k];
            for (int j = k; j < n; j++) a[i][j] -= f * a[k][j];
            b[i] -= f * b[k];
        }
    }
    for (int i = n - 1; i >= 0; i--) {
        double s = b[i];
        for (int j = i + 1; j < n; j++) s -= a[i][j] * x[j];
        x[i] = s / a[i][i];
    }
    return 1;
}

int main(void) {
    double a[4][4] = {{2, 1, -1, 3}, {-3, -1, 2, 1}, {-2, 1, 2, -1}, {1, 2, 3, 4}};
    double b[4] = {8, -11, -3, 10};
    double x[4];
    if (!solve(4, a, b, x)) return 1;
    for (int i = 0; i < 4; i++) printf("x%d = %.6f\n", i, x[i]);
    return 0;
}
