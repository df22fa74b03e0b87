int printf(const char *fmt, ...);

struct shape;
struct shape_ops {
    const char *name;
    double (*area)(const struct shape *);
    void (*grow)(struct shape *, double);
};
struct shape { const struct shape_ops *ops; union { double r; struct { double w, h; } rect; } u; };

double circle_area(const struct shape *s) { return 3.14159265 * s->u.r * s->u.r; }
void circle_grow(struct shape *s, double k) { s->u.r *= k; }
double rect_area(const struct shape *s) { return s->u.rect.w * s->u.rect.h; }
void rect_grow(struct shape *s, double k) { s->u.rect.w *= k; s->u.rect.h *= k; }

const struct shape_ops circle_ops = {"circle", circle_area, circle_grow};
const struct shape_ops rect_ops = {.name = "rect", .grow = rect_grow, .area = rect_area};

int main(void) {
    struct shape shapes[3];
    shapes[0].ops = &circle_ops; shapes[0].u.r = 1;
    shapes[1].ops = &rect_ops; shapes[1].u.rect.w = 2; shapes[1].u.rect.h = 3;
    shapes[2] = shapes[0];
    shapes[2].ops->grow(&shapes[2], 2);
    double total = 0;
    for (int i = 0; i < 3; i++) {
        double a = shapes[i].ops->area(&shapes[i]);
        printf("%-6s %8.3f\n", shapes[i].ops->name, a);
        total += a;
    }
    printf("total %.3f\n", total);
    return (int)total;
}
