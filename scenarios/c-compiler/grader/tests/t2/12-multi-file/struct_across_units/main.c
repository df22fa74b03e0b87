int printf(const char *fmt, ...);
struct point { double x, y; };
struct point midpoint(struct point a, struct point b);
struct point origin;
int main(void) {
    struct point m = midpoint((struct point){2, 4}, (struct point){6, -8});
    printf("%.1f %.1f\n", m.x, m.y);
    m = midpoint(m, origin);
    printf("%.2f %.2f\n", m.x, m.y);
    return 0;
}
