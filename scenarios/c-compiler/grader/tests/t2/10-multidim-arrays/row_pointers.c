int printf(const char *fmt, ...);

char screen[5][11];

void fill(char (*rows)[11], int n, char c) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < 10; j++) rows[i][j] = (i + j) % 3 ? c : '.';
        rows[i][10] = 0;
    }
}

int main(void) {
    fill(screen, 5, '#');
    fill(screen + 3, 2, '*');
    for (int i = 0; i < 5; i++) printf("%s\n", screen[i]);
    char (*last)[11] = &screen[4];
    printf("%c %d\n", (*last)[1], (int)(last - screen));
    return 0;
}
