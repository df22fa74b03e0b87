int det(int n, int m[5][5]);
int main(void) {
    int m[5][5] = {
        {2, 0, 1, 3, 1},
        {1, 1, 0, 2, 0},
        {0, 3, 1, 1, 2},
        {4, 1, 2, 0, 1},
        {1, 0, 0, 1, 3}
    };
    int d = det(5, m);
    return d < 0 ? -d : d;
}
int det(int n, int m[5][5]) {
    if (n == 1) return m[0][0];
    int total = 0;
    int sign = 1;
    int sub[5][5];
    for (int col = 0; col < n; col++) {
        for (int i = 1; i < n; i++) {
            int k = 0;
            for (int j = 0; j < n; j++) {
                if (j == col) continue;
                sub[i - 1][k++] = m[i][j];
            }
        }
        total += sign * m[0][col] * det(n - 1, sub);
        sign = -sign;
    }
    return total;
}
