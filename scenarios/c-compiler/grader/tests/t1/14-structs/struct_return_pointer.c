struct pt {
    int x;
    int y;
};
struct pt pool[3];
struct pt *make(int i, int x, int y) {
    pool[i].x = x;
    pool[i].y = y;
    return &pool[i];
}
int main(void) {
    struct pt *a = make(0, 1, 2);
    struct pt *b = make(1, 3, 4);
    return a->x + a->y + b->x * b->y;
}
