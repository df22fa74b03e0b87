int printf(const char *fmt, ...);

void sort(void *base, int n, int size, int (*cmp)(const void *, const void *)) {
    char *b = base;
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0; j--) {
            for (int k = 0; k < size; k++) {
                char t = b[(j - 1) * size + k];
                b[(j - 1) * size + k] = b[j * size + k];
                b[j * size + k] = t;
            }
        }
    }
}

int by_value(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int by_value_desc(const void *a, const void *b) { return by_value(b, a); }

struct pair { int key; char tag; };
int by_key(const void *a, const void *b) {
    return ((const struct pair *)a)->key - ((const struct pair *)b)->key;
}

int main(void) {
    int v[8] = {5, -3, 9, 0, 12, 7, -8, 1};
    sort(v, 8, sizeof(int), by_value);
    for (int i = 0; i < 8; i++) printf("%d ", v[i]);
    printf("\n");
    sort(v, 8, sizeof v[0], by_value_desc);
    for (int i = 0; i < 8; i++) printf("%d ", v[i]);
    printf("\n");
    struct pair p[4] = {{3, 'c'}, {1, 'a'}, {4, 'd'}, {2, 'b'}};
    sort(p, 4, sizeof(struct pair), by_key);
    for (int i = 0; i < 4; i++) printf("%c", p[i].tag);
    printf("\n");
    return 0;
}
