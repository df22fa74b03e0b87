int printf(const char *fmt, ...);

struct inner { int a; short b; };
struct outer { struct inner in; char name[6]; struct inner more[2]; };

struct outer build(const char *name, int seed) {
    struct outer o;
    o.in.a = seed;
    o.in.b = (short)(seed * 2);
    for (int i = 0; i < 5 && name[i]; i++) o.name[i] = name[i], o.name[i + 1] = 0;
    for (int i = 0; i < 2; i++) { o.more[i].a = seed + i; o.more[i].b = (short)-i; }
    return o;
}

struct inner first(struct outer o) { return o.more[0]; }

int main(void) {
    struct outer o = build("box", 7);
    struct inner f = first(o);
    printf("%s %d %d %d %d %d\n", o.name, o.in.a, o.in.b, f.a, o.more[1].a, o.more[1].b);
    printf("%d\n", (int)sizeof o);
    return first(build("abcdefgh", 3)).a;
}
