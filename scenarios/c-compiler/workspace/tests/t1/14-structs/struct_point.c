struct point {
    int x;
    int y;
};
int main(void) {
    struct point p;
    p.x = 2;
    p.y = 5;
    return p.x + p.y;
}
