int printf(const char *fmt, ...);

double my_sqrt(double x) {
    double g = x / 2;
    for (int i = 0; i < 40; i++) g = (g + x / g) / 2;
    return g;
}

double my_exp(double x) {
    double term = 1, sum = 1;
    for (int n = 1; n < 40; n++) { term *= x / n; sum += term; }
    return sum;
}

int main(void) {
    printf("%.10f\n", my_sqrt(2.0));
    printf("%.10f\n", my_sqrt(1e10));
    printf("%.10f\n", my_exp(1.0));
    printf("%.6e\n", my_exp(-20.0));
    double pi = 0;
    for (int k = 0; k < 100000; k++) pi += (k % 2 ? -4.0 : 4.0) / (2 * k + 1);
    printf("%.8f\n", pi);
    return 0;
}
