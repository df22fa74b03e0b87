int printf(const char *fmt, ...);

struct range { int lo, hi; };
struct range widen(struct range r) { r.lo--; r.hi++; return r; }
struct range narrow(struct range r) { r.lo++; r.hi--; return r; }

typedef struct range (*xform)(struct range);

struct range apply_all(struct range r, xform *fs, int n) {
    for (int i = 0; i < n; i++) r = fs[i](r);
    return r;
}

int main(void) {
    xform fs[5] = {widen, widen, narrow, widen, widen};
    struct range r = apply_all((struct range){10, 20}, fs, 5);
    printf("%d %d\n", r.lo, r.hi);
    printf("%d\n", apply_all(r, fs + 2, 1).hi - r.hi);
    return r.hi - r.lo;
}
