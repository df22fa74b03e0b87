static int dbl(int x) { return 2 * x; }
static int neg(int x) { return -x; }
static int sq(int x) { return x * x; }
static int eq(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return *a == *b; }
typedef int (*handler)(int);
static struct { const char *name; handler h; } table[] = {
    {"double", dbl}, {"negate", neg}, {"square", sq},
};
handler lookup(const char *name) {
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        if (eq(table[i].name, name)) return table[i].h;
    return 0;
}
