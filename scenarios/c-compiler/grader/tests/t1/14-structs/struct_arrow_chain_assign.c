struct box {
    int w;
    int h;
};
int area(struct box *b) {
    return b->w * b->h;
}
int main(void) {
    struct box b;
    struct box *p = &b;
    p->w = p->h = 7;
    p->w += 2;
    return area(p);
}
