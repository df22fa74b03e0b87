int printf(const char *fmt, ...);

int main(void) {
    int grid[3][4];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) grid[i][j] = i * 10 + j;
    int (*row)[4] = grid;
    printf("%d %d\n", row[1][2], (*(row + 2))[3]);
    row++;
    printf("%d %d\n", (*row)[0], (int)sizeof(*row));
    int *flat = &grid[0][0];
    printf("%d\n", flat[7]);
    printf("%d\n", (int)(&grid[2][0] - &grid[0][0]));
    return row[1][1];
}
