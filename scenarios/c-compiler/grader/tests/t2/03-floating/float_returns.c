int printf(const char *fmt, ...);

float scale(float x) { return x * 1.5f; }
double half(double x) { return x / 2; }
float to_float(int i) { return i; }
double pick(int which, double a, double b) { return which ? a : b; }

struct point { double x, y; };

double norm2(struct point *p) { return p->x * p->x + p->y * p->y; }

int main(void) {
    printf("%.3f %.3f %.3f\n", scale(2.5f), half(7), to_float(-3));
    printf("%.2f %.2f\n", pick(1, 1.25, 2.5), pick(0, 1.25, 2.5));
    struct point p = {3.0, 4.0};
    printf("%.1f\n", norm2(&p));
    double acc = 0;
    for (int i = 1; i <= 10; i++) acc += half(i) * scale((float)i);
    printf("%.3f\n", acc);
    return (int)norm2(&p);
}
