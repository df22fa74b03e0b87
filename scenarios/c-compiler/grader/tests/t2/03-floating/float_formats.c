int printf(const char *fmt, ...);

int main(void) {
    double vals[] = {0.0, -0.0, 1.0, -1.5, 123456.789, 1e-5, 6.02214076e23, 1.0 / 3};
    for (int i = 0; i < 8; i++)
        printf("[%f] [%.3e] [%g] [%10.2f] [%-8.1f]\n", vals[i], vals[i], vals[i], vals[i],
               vals[i]);
    printf("%5.1f%%\n", 99.44);
    return 0;
}
