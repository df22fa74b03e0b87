int printf(const char *fmt, ...);

void mul(int n, long a[][3], long b[][3], long out[][3]) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 3; j++) {
            out[i][j] = 0;
            for (int k = 0; k < 3; k++) out[i][j] += a[i][k] * b[k][j];
        }
}

int main(void) {
    long a[3][3] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
    long id[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    long r[3][3];
    mul(3, a, a, r);
    for (int i = 0; i < 3; i++) printf("%ld %ld %ld\n", r[i][0], r[i][1], r[i][2]);
    mul(3, r, id, a);
    return (int)(a[2][2] % 256);
}
