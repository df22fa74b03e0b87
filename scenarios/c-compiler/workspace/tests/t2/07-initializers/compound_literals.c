int printf(const char *fmt, ...);

struct point { int x, y; };

int dist2(struct point *p) { return p->x * p->x + p->y * p->y; }
int sum(const int *v, int n) { int s = 0; while (n--) s += *v++; return s; }

int main(void) {
    printf("%d\n", dist2(&(struct point){3, 4}));
    printf("%d\n", sum((int[]){1, 2, 3, 4, 5}, 5));
    struct point *p = &(struct point){.y = 7};
    p->x = 1;
    printf("%d %d\n", p->x, p->y);
    int *q = (int[3]){0};
    q[1] = 42;
    return q[0] + q[1] + q[2];
}
