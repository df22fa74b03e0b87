int putchar(int c);
int grid[10][10];
int next[10][10];
int neighbours(int r, int c) {
    int n = 0;
    for (int dr = -1; dr <= 1; dr++)
        for (int dc = -1; dc <= 1; dc++) {
            if (dr == 0 && dc == 0) continue;
            int rr = r + dr;
            int cc = c + dc;
            if (rr < 0 || rr >= 10 || cc < 0 || cc >= 10) continue;
            n += grid[rr][cc];
        }
    return n;
}
void step(void) {
    for (int r = 0; r < 10; r++)
        for (int c = 0; c < 10; c++) {
            int n = neighbours(r, c);
            next[r][c] = n == 3 || (grid[r][c] && n == 2);
        }
    for (int r = 0; r < 10; r++)
        for (int c = 0; c < 10; c++)
            grid[r][c] = next[r][c];
}
int main(void) {
    grid[1][2] = 1;
    grid[2][3] = 1;
    grid[3][1] = 1;
    grid[3][2] = 1;
    grid[3][3] = 1;
    for (int i = 0; i < 8; i++)
        step();
    int alive = 0;
    for (int r = 0; r < 10; r++) {
        for (int c = 0; c < 10; c++) {
            putchar(grid[r][c] ? '#' : '.');
            alive += grid[r][c];
        }
        putchar('\n');
    }
    return alive;
}
