#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    double v[] = {2.5, 3.1, 4.7, 1.2, 9.9, 5.5, 3.3, 7.0, 6.1, 0.4};
    int n = 10;
    double sum = 0, sq = 0;
    for (int i = 0; i < n; i++) { sum += v[i]; sq += v[i] * v[i]; }
    double mean = sum / n;
    double sd = sqrt(sq / n - mean * mean);
    qsort(v, n, sizeof v[0], cmp);
    double median = (v[4] + v[5]) / 2;
    printf("mean %.4f sd %.4f median %.2f min %.1f max %.1f\n", mean, sd, median, v[0], v[9]);
    return 0;
}
