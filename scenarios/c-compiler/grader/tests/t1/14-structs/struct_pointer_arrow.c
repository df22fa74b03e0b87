struct point {
    int x;
    int y;
};
int main(void) {
    struct point p;
    struct point *q = &p;
    q->x = 10;
    q->y = 20;
    return p.x + p.y;
}
