int printf(const char *fmt, ...);

double average(int *v, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += v[i];
    return s / n;
}

int main(void) {
    int v[] = {3, 4, 8, 10};
    double avg = average(v, 4);
    printf("%f %.2f %g\n", avg, avg * 3, avg / 7);
    double x = 1.5e3, y = -0.25;
    printf("%f %e\n", x * y, x + y);
    return (int)(avg * 2);
}
