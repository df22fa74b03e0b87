int printf(const char *fmt, ...);

const int table[5] = {2, 3, 5, 7, 11};
static const char *const names[3] = {"zero", "one", "two"};

int sum(const int *p, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += p[i];
    return s;
}

int main(void) {
    volatile int v = 10;
    for (int i = 0; i < 5; i++) v += i;
    const long limit = 1000;
    printf("%d %d %ld\n", sum(table, 5), v, limit);
    for (int i = 0; i < 3; i++) printf("%s ", names[i]);
    printf("\n");
    int *const fixed = (int *)&v;
    *fixed = 3;
    return v;
}
