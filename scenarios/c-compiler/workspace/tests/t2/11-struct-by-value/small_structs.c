int printf(const char *fmt, ...);

struct pt { int x, y; };

struct pt make(int x, int y) { struct pt p = {x, y}; return p; }
struct pt add(struct pt a, struct pt b) { return make(a.x + b.x, a.y + b.y); }
int area(struct pt p) { return p.x * p.y; }

int main(void) {
    struct pt a = make(3, 4);
    struct pt b = add(a, make(10, 20));
    printf("%d %d %d\n", b.x, b.y, area(b));
    printf("%d\n", add(a, a).y);
    return area(a);
}
