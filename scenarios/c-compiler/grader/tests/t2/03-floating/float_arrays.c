int printf(const char *fmt, ...);

float dot(const float *a, const float *b, int n) {
    float s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

int main(void) {
    float a[6] = {1.5f, -2.0f, 3.25f, 0.5f, 8.0f, -1.0f};
    float b[6] = {2.0f, 0.5f, -1.0f, 4.0f, 0.125f, 3.0f};
    printf("%.4f\n", dot(a, b, 6));
    double m[3][3] = {{2, 0, 1}, {1, 3, 2}, {1, 1, 1}};
    double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
               - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
               + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    printf("%.2f\n", det);
    printf("%d %d\n", (int)sizeof(float), (int)sizeof(double));
    return (int)det;
}
