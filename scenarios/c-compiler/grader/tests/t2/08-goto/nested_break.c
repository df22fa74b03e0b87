int printf(const char *fmt, ...);

int main(void) {
    int grid[4][5] = {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}, {11, 12, -1, 14, 15}, {0}};
    int r, c;
    for (r = 0; r < 4; r++)
        for (c = 0; c < 5; c++)
            if (grid[r][c] < 0) goto found;
    printf("none\n");
    return 1;
found:
    printf("found at %d,%d\n", r, c);
    return r * 10 + c;
}
