int printf(const char *fmt, ...);

struct inner { char tag; short vals[3]; };
struct outer { int id; struct inner in[2]; double w; };

int main(void) {
    struct outer o = {1, {{'a', {1, 2, 3}}, {'b', {4}}}, 0.5};
    struct outer p = {.in[1].vals[2] = 9, .id = 2, .in[0] = {.tag = 'z'}};
    struct outer q = {3, 'c', 5, 6, 7, 'd', 8};   /* brace elision */
    printf("%d %c %d %d %d %c %d %d %d %.1f\n", o.id, o.in[0].tag, o.in[0].vals[0],
           o.in[0].vals[2], o.in[1].vals[0], o.in[1].tag, o.in[1].vals[1], o.in[1].vals[2],
           (int)sizeof o, o.w);
    printf("%d %c %d %d\n", p.id, p.in[0].tag, p.in[1].vals[2], p.in[1].vals[0]);
    printf("%d %c %d %d %c %d\n", q.id, q.in[0].tag, q.in[0].vals[2], q.in[1].tag,
           q.in[1].vals[0], q.in[1].vals[1]);
    return 0;
}
