struct counter {
    int hits;
    int misses;
};
void record(struct counter *c, int hit) {
    if (hit) c->hits++;
    else c->misses++;
}
int main(void) {
    struct counter c;
    c.hits = 0;
    c.misses = 0;
    for (int i = 0; i < 10; i++)
        record(&c, i % 3 == 0);
    return c.hits * 10 + c.misses;
}
