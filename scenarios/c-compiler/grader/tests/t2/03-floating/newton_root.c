int printf(const char *fmt, ...);

double f(double x) { return x * x * x - 2 * x - 5; }
double df(double x) { return 3 * x * x - 2; }

int main(void) {
    double x = 2;
    int steps = 0;
    while (steps < 50) {
        double nx = x - f(x) / df(x);
        steps++;
        double diff = nx - x;
        x = nx;
        if (diff < 1e-12 && diff > -1e-12) break;
    }
    printf("root %.12f after %d steps\n", x, steps);
    double lo = 0, hi = 3;
    for (int i = 0; i < 60; i++) {
        double mid = (lo + hi) / 2;
        if (f(mid) > 0) hi = mid; else lo = mid;
    }
    printf("bisect %.9f\n", lo);
    return steps;
}
