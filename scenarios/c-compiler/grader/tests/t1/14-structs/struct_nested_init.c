struct p { int x; int y; };
struct line { struct p a; struct p b; };
int main(void) {
    struct line l = {{1, 2}, {5, 9}};
    return (l.b.x - l.a.x) * 10 + (l.b.y - l.a.y);
}
