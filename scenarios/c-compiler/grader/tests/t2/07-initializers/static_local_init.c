int printf(const char *fmt, ...);

int next_id(void) {
    static int id = 100;
    return id++;
}

const char *month(int m) {
    static const char *names[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                    "jul", "aug", "sep", "oct", "nov", "dec"};
    return names[(m - 1) % 12];
}

int *counters(void) {
    static int c[4] = {[3] = 3};
    return c;
}

int main(void) {
    int first = next_id();
    int second = next_id();
    printf("%d %d %d\n", first, second, next_id());
    printf("%s %s\n", month(1), month(12));
    int *c = counters();
    c[0]++;
    counters()[0] += 10;
    printf("%d %d\n", counters()[0], counters()[3]);
    return 0;
}
