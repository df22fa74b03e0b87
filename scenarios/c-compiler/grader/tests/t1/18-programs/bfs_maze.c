int printf(char *fmt, ...);
char *maze[7] = {
    "#########",
    "#S..#...#",
    "#.#.#.#.#",
    "#.#...#.#",
    "#.#####.#",
    "#......E#",
    "#########"
};
int dist[7][9];
int queue_r[100];
int queue_c[100];
int main(void) {
    for (int r = 0; r < 7; r++)
        for (int c = 0; c < 9; c++)
            dist[r][c] = -1;
    int head = 0;
    int tail = 0;
    queue_r[tail] = 1;
    queue_c[tail] = 1;
    tail++;
    dist[1][1] = 0;
    int dr[4] = {1, -1, 0, 0};
    int dc[4] = {0, 0, 1, -1};
    while (head < tail) {
        int r = queue_r[head];
        int c = queue_c[head];
        head++;
        if (maze[r][c] == 'E') {
            printf("reached E in %d steps, visited %d cells\n", dist[r][c], tail);
            return dist[r][c];
        }
        for (int k = 0; k < 4; k++) {
            int nr = r + dr[k];
            int nc = c + dc[k];
            if (maze[nr][nc] == '#' || dist[nr][nc] >= 0) continue;
            dist[nr][nc] = dist[r][c] + 1;
            queue_r[tail] = nr;
            queue_c[tail] = nc;
            tail++;
        }
    }
    return 255;
}
