int printf(const char *fmt, ...);

void transpose(int rows, int cols, const double in[][4], double out[][3]) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) out[j][i] = in[i][j];
}

int main(void) {
    double m[3][4] = {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}};
    double t[4][3];
    transpose(3, 4, m, t);
    for (int i = 0; i < 4; i++) printf("%.0f %.0f %.0f\n", t[i][0], t[i][1], t[i][2]);
    printf("%d %d\n", (int)sizeof t, (int)sizeof t[1]);
    return (int)t[3][2];
}
