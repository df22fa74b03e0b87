int printf(const char *fmt, ...);

struct big { long v[5]; char tag; };

struct big fill(char tag, long base) {
    struct big b;
    for (int i = 0; i < 5; i++) b.v[i] = base + i;
    b.tag = tag;
    return b;
}

long total(struct big b) {
    long s = 0;
    for (int i = 0; i < 5; i++) s += b.v[i];
    b.v[0] = 999;   /* a copy: the caller's is unchanged */
    return s;
}

int main(void) {
    struct big b = fill('q', 100);
    printf("%c %ld %ld\n", b.tag, total(b), b.v[0]);
    printf("%ld\n", total(fill('z', -3)));
    return b.tag;
}
