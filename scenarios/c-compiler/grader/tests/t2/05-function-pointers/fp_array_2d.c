int printf(const char *fmt, ...);

int zero(int x) { return 0; }
int ident(int x) { return x; }
int neg(int x) { return -x; }
int dbl(int x) { return x + x; }

int (*grid[2][2])(int) = {{zero, ident}, {neg, dbl}};

int main(void) {
    int total = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            int r = grid[i][j](i * 10 + j + 1);
            printf("%d ", r);
            total += r;
        }
    printf("\n%d\n", (int)(sizeof grid / sizeof grid[0][0]));
    return total & 0xff;
}
