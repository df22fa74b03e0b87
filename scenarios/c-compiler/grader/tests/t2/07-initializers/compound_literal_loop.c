int printf(const char *fmt, ...);

struct vec { int x, y; };

int main(void) {
    struct vec pos = {0, 0};
    struct vec *moves[4] = {&(struct vec){1, 0}, &(struct vec){0, 2},
                            &(struct vec){-3, 0}, &(struct vec){0, -1}};
    for (int i = 0; i < 10; i++) {
        struct vec *m = moves[i % 4];
        pos.x += m->x;
        pos.y += m->y;
    }
    printf("%d %d\n", pos.x, pos.y);
    int total = 0;
    for (int i = 0; i < 3; i++) {
        int *row = (int[]){i, i * 2, i * 3};
        total += row[0] + row[1] + row[2];
    }
    printf("%d\n", total);
    return total;
}
