int putchar(int c);
int main(void) {
    int inside = 0;
    for (int y = -12; y <= 12; y++) {
        for (int x = -39; x <= 15; x++) {
            long cr = x * 1024 / 20;
            long ci = y * 1024 / 10;
            long zr = 0;
            long zi = 0;
            int i = 0;
            while (i < 30 && zr * zr + zi * zi < 4 * 1024 * 1024) {
                long t = (zr * zr - zi * zi) / 1024 + cr;
                zi = 2 * zr * zi / 1024 + ci;
                zr = t;
                i++;
            }
            putchar(i == 30 ? '#' : i > 8 ? '+' : i > 3 ? '.' : ' ');
            if (i == 30) inside++;
        }
        putchar('\n');
    }
    return inside % 256;
}
