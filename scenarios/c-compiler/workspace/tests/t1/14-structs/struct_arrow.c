struct acc {
    int total;
};
void add(struct acc *a, int v) {
    a->total += v;
}
int main(void) {
    struct acc a;
    a.total = 1;
    add(&a, 9);
    return a.total;
}
