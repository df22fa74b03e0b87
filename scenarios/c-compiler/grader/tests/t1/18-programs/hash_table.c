int printf(char *fmt, ...);
int strcmp(char *a, char *b);
void *malloc(long n);
struct entry {
    char *key;
    int value;
    struct entry *next;
};
struct entry *buckets[16];
int hash(char *s) {
    int h = 7;
    while (*s) {
        h = (h * 31 + *s) % 10007;
        s++;
    }
    return h % 16;
}
void put(char *key, int value) {
    int h = hash(key);
    for (struct entry *e = buckets[h]; e; e = e->next)
        if (strcmp(e->key, key) == 0) {
            e->value = value;
            return;
        }
    struct entry *e = malloc(sizeof(struct entry));
    e->key = key;
    e->value = value;
    e->next = buckets[h];
    buckets[h] = e;
}
int get(char *key) {
    for (struct entry *e = buckets[hash(key)]; e; e = e->next)
        if (strcmp(e->key, key) == 0) return e->value;
    return -1;
}
int main(void) {
    put("alpha", 1);
    put("beta", 2);
    put("gamma", 3);
    put("delta", 4);
    put("beta", 20);
    printf("%d %d %d %d\n", get("alpha"), get("beta"), get("delta"), get("omega"));
    return get("alpha") + get("beta") + get("gamma");
}
