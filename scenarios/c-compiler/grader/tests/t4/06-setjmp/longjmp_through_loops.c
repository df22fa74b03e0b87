#include <setjmp.h>
#include <stdio.h>

static jmp_buf found;
static volatile int where;  /* setjmp's value, set where it jumps */

static void search(int grid[4][4], int target) {
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            if (grid[r][c] == target) {
                where = r * 4 + c + 1;
                longjmp(found, where);
            }
}

int main(void) {
    int grid[4][4];
    for (int i = 0; i < 16; i++) grid[i / 4][i % 4] = (i * 7) % 16;
    int targets[3] = {5, 14, 99};
    for (int t = 0; t < 3; t++) {
        if (setjmp(found) != 0) {
            printf("%d at row %d col %d\n", targets[t], (where - 1) / 4, (where - 1) % 4);
            continue;
        }
        search(grid, targets[t]);
        printf("%d not found\n", targets[t]);
    }
    return 0;
}
