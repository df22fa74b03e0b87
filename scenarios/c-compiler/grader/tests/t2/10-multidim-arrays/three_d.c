int printf(const char *fmt, ...);

int cube[3][4][5];

int main(void) {
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 5; k++) cube[i][j][k] = i * 100 + j * 10 + k;
    printf("%d %d %d\n", cube[2][3][4], cube[1][0][2], *(*(*(cube + 1) + 2) + 3));
    printf("%d %d %d\n", (int)sizeof cube, (int)sizeof cube[0], (int)sizeof cube[0][0]);
    int (*plane)[4][5] = cube + 2;
    printf("%d\n", plane[0][1][1]);
    long sum = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 5; k++) sum += cube[i][j][k];
    printf("%ld\n", sum);
    return 0;
}
