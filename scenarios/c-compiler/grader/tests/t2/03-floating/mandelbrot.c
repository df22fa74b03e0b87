int putchar(int c);

int main(void) {
    for (int row = 0; row < 12; row++) {
        for (int col = 0; col < 40; col++) {
            double cr = -2.0 + col * 0.065, ci = -1.2 + row * 0.2;
            double zr = 0, zi = 0;
            int k = 0;
            while (k < 50 && zr * zr + zi * zi < 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                k++;
            }
            putchar(" .:-=+*#%@"[k % 10]);
        }
        putchar('\n');
    }
    return 0;
}
