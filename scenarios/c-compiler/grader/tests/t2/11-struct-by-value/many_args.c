int printf(const char *fmt, ...);

struct pair { long a, b; };
struct one { int v; };

long f(int a, int b, int c, int d, struct pair p, struct pair q, int e, struct one o) {
    return a + b + c + d + p.a * 10 + p.b * 100 + q.a * 1000 + q.b * 10000 + e + o.v;
}

double g(double a, double b, double c, double d, double e, double f2, double g2,
         void *unused, double h, double i) {
    return a + b + c + d + e + f2 + g2 + h + i;
}

struct wide { double d[3]; };
double h(int x, struct wide w, int y) { return x + w.d[0] + w.d[1] + w.d[2] + y; }

int main(void) {
    struct pair p = {1, 2}, q = {3, 4};
    struct one o = {7};
    printf("%ld\n", f(1, 2, 3, 4, p, q, 5, o));
    printf("%.1f\n", g(1, 2, 3, 4, 5, 6, 7, 0, 8, 9));
    struct wide w = {{0.5, 0.25, 0.125}};
    printf("%.3f\n", h(10, w, 20));
    return 0;
}
