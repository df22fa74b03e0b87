int printf(const char *fmt, ...);

typedef struct { unsigned short b : 5, g : 6, r : 5; } rgb565;

void make(rgb565 *p, int r, int g, int b) {
    p->r = r >> 3;
    p->g = g >> 2;
    p->b = b >> 3;
}

int main(void) {
    int colors[4][3] = {{255, 0, 0}, {0, 255, 0}, {12, 200, 90}, {255, 255, 255}};
    for (int i = 0; i < 4; i++) {
        rgb565 p;
        make(&p, colors[i][0], colors[i][1], colors[i][2]);
        union { rgb565 p; unsigned short raw; } u;
        u.p = p;
        printf("%04x %d %d %d\n", u.raw, p.r, p.g, p.b);
    }
    return 0;
}
