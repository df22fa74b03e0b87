int printf(const char *fmt, ...);

struct big { int a; long b[6]; char c[5]; double d; struct { int x, y; } pt; };

int main(void) {
    struct big s = {1};
    int nonzero = 0;
    for (int i = 0; i < 6; i++) nonzero += s.b[i] != 0;
    for (int i = 0; i < 5; i++) nonzero += s.c[i] != 0;
    nonzero += s.d != 0 || s.pt.x != 0 || s.pt.y != 0;
    printf("%d %d\n", s.a, nonzero);
    int m[4][4] = {{1}, {2, 3}, [3] = {4, 5, 6}};
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) printf("%d", m[i][j]);
        printf("\n");
    }
    long arr[100] = {0};
    long total = 0;
    for (int i = 0; i < 100; i++) total += arr[i];
    return (int)total + s.a;
}
