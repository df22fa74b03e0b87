int printf(const char *fmt, ...);

enum flags { F_READ = 1, F_WRITE = 2, F_EXEC = 4, F_ALL = F_READ | F_WRITE | F_EXEC };
enum { SIZE = 4 * 8, HALF = SIZE / 2, NEG = -HALF };

int table[SIZE];

int main(void) {
    int perms = F_READ | F_EXEC;
    printf("%d %d %d\n", perms, perms & F_WRITE, F_ALL);
    printf("%d %d %d\n", SIZE, HALF, NEG);
    for (int i = 0; i < SIZE; i++) table[i] = i * i;
    printf("%d\n", table[HALF]);
    enum flags f = F_WRITE;
    f = (enum flags)(f | F_READ);
    printf("%d %d\n", f, (int)sizeof(enum flags));
    return F_ALL;
}
