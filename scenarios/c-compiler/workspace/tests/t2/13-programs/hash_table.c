int printf(const char *fmt, ...);
void *calloc(unsigned long n, unsigned long size);
void *malloc(unsigned long n);
void free(void *p);

struct entry { const char *key; long value; struct entry *next; };
struct table { struct entry **buckets; unsigned nbuckets, size; };

unsigned long hash(const char *s) {
    unsigned long h = 5381;
    for (; *s; s++) h = h * 33u ^ (unsigned char)*s;
    return h;
}

int same(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return *a == *b; }

long *lookup(struct table *t, const char *key, int create) {
    struct entry **slot = &t->buckets[hash(key) % t->nbuckets];
    for (struct entry *e = *slot; e; e = e->next)
        if (same(e->key, key)) return &e->value;
    if (!create) return 0;
    struct entry *e = malloc(sizeof *e);
    *e = (struct entry){key, 0, *slot};
    *slot = e;
    t->size++;
    return &e->value;
}

int main(void) {
    struct table t = {calloc(7, sizeof(struct entry *)), 7, 0};
    const char *words[] = {"the", "cat", "sat", "on", "the", "mat", "the", "end", "cat"};
    for (int i = 0; i < 9; i++) (*lookup(&t, words[i], 1))++;
    printf("%u distinct\n", t.size);
    const char *probe[] = {"the", "cat", "dog", "end"};
    for (int i = 0; i < 4; i++) {
        long *v = lookup(&t, probe[i], 0);
        printf("%s: %ld\n", probe[i], v ? *v : -1L);
    }
    return (int)t.size;
}
