struct point { double x, y; };
struct point midpoint(struct point a, struct point b) {
    struct point r = {(a.x + b.x) / 2, (a.y + b.y) / 2};
    return r;
}
