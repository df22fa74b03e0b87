int cols[12];
int n;
int ok(int row, int col) {
    for (int r = 0; r < row; r++) {
        int c = cols[r];
        if (c == col) return 0;
        if (c - col == r - row) return 0;
        if (c - col == row - r) return 0;
    }
    return 1;
}
int solve(int row) {
    if (row == n) return 1;
    int total = 0;
    for (int c = 0; c < n; c++) {
        if (ok(row, c)) {
            cols[row] = c;
            total += solve(row + 1);
        }
    }
    return total;
}
int main(void) {
    n = 8;
    return solve(0);
}
