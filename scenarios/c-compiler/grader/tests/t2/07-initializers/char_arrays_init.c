int printf(const char *fmt, ...);

int main(void) {
    char a[10] = "abc";
    char b[] = {'x', 'y', 'z', '\0'};
    char c[3] = "abc";          /* no terminator: fits exactly */
    char grid[3][4] = {"ab", "cde", "f"};
    printf("%s %d %s %d\n", a, (int)sizeof a, b, (int)sizeof b);
    printf("%c%c%c %d\n", c[0], c[1], c[2], (int)sizeof c);
    for (int i = 0; i < 3; i++) printf("[%s]", grid[i]);
    printf("\n");
    int zeros = 0;
    for (int i = 0; i < 10; i++) zeros += a[i] == 0;
    return zeros;
}
