int printf(const char *fmt, ...);

int valid(int g[9][9]) {
    for (int i = 0; i < 9; i++) {
        int row[10] = {0}, col[10] = {0}, box[10] = {0};
        for (int j = 0; j < 9; j++) {
            int r = g[i][j], c = g[j][i];
            int b = g[3 * (i / 3) + j / 3][3 * (i % 3) + j % 3];
            if (row[r]++ || col[c]++ || box[b]++) return 0;
        }
    }
    return 1;
}

int main(void) {
    int g[9][9];
    for (int r = 0; r < 9; r++)
        for (int c = 0; c < 9; c++) g[r][c] = (r * 3 + r / 3 + c) % 9 + 1;
    for (int r = 0; r < 9; r++) {
        for (int c = 0; c < 9; c++) printf("%d", g[r][c]);
        printf("\n");
    }
    printf("valid: %d\n", valid(g));
    int t = g[0][0]; g[0][0] = g[0][1]; g[0][1] = t;
    printf("after swap: %d\n", valid(g));
    return 0;
}
