int printf(const char *fmt, ...);

int main(void) {
    int a[] = {1, 2, 3}, b[] = {4, 5}, c[] = {6, 7, 8, 9};
    int *rows[3] = {a, b, c};
    int lens[3] = {3, 2, 4};
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < lens[i]; j++) printf("%d ", rows[i][j]);
        printf("| ");
    }
    printf("\n");
    char *names[] = {"ada", "grace", "linus"};
    char **p = names;
    printf("%c %c %s\n", **p, *(*(p + 1) + 2), p[2] + 2);
    return rows[2][3];
}
