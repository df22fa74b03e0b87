int printf(const char *fmt, ...);

struct cell { unsigned alive : 1; unsigned neighbours : 4; unsigned age : 11; };

struct cell board[6][6];

int main(void) {
    int glider[5][2] = {{0, 1}, {1, 2}, {2, 0}, {2, 1}, {2, 2}};
    for (int i = 0; i < 5; i++) board[glider[i][0]][glider[i][1]].alive = 1;
    for (int gen = 0; gen < 4; gen++) {
        for (int r = 0; r < 6; r++)
            for (int c = 0; c < 6; c++) {
                int n = 0;
                for (int dr = -1; dr <= 1; dr++)
                    for (int dc = -1; dc <= 1; dc++) {
                        if (!dr && !dc) continue;
                        int rr = (r + dr + 6) % 6, cc = (c + dc + 6) % 6;
                        n += board[rr][cc].alive;
                    }
                board[r][c].neighbours = n;
            }
        for (int r = 0; r < 6; r++)
            for (int c = 0; c < 6; c++) {
                struct cell *x = &board[r][c];
                x->alive = x->neighbours == 3 || (x->alive && x->neighbours == 2);
                if (x->alive) x->age++;
            }
    }
    for (int r = 0; r < 6; r++) {
        for (int c = 0; c < 6; c++) printf("%c", board[r][c].alive ? '#' : '.');
        printf("\n");
    }
    return (int)sizeof(struct cell);
}
