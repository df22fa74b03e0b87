int printf(const char *fmt, ...);

void a(void) {}
void b(void) {}

int main(void) {
    void (*p)(void) = a;
    void (*q)(void) = b;
    void (*n)(void) = 0;
    printf("%d %d %d %d\n", p == a, p != q, n == 0, !n);
    if (p) p();
    p = q;
    printf("%d\n", p == b);
    return p == q;
}
