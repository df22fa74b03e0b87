#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W 12
#define H 8

static void step(char g[H][W + 1]) {
    char n[H][W + 1];
    for (int r = 0; r < H; r++) {
        for (int c = 0; c < W; c++) {
            int k = 0;
            for (int dr = -1; dr <= 1; dr++)
                for (int dc = -1; dc <= 1; dc++)
                    if ((dr || dc) && g[(r + dr + H) % H][(c + dc + W) % W] == '#') k++;
            n[r][c] = (k == 3 || (k == 2 && g[r][c] == '#')) ? '#' : '.';
        }
        n[r][W] = 0;
    }
    memcpy(g, n, sizeof n);
}

int main(void) {
    FILE *f = tmpfile();
    fputs("............\n..#.........\n...#........\n.###........\n............\n"
          "........##..\n........##..\n............\n", f);
    rewind(f);
    char g[H][W + 1];
    char line[32];
    for (int r = 0; r < H; r++) {
        fgets(line, sizeof line, f);
        memcpy(g[r], line, W);
        g[r][W] = 0;
    }
    fclose(f);
    for (int i = 0; i < 8; i++) step(g);
    int alive = 0;
    for (int r = 0; r < H; r++) {
        puts(g[r]);
        for (int c = 0; c < W; c++) alive += g[r][c] == '#';
    }
    return alive;
}
