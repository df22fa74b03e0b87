int printf(const char *fmt, ...);

struct id_val { int id; double val; };
struct val_id { double val; long id; };
struct chars { char a, b, c; };
struct shorts { short s[3]; int i; };

struct id_val iv(int id, double v) { struct id_val r = {id, v}; return r; }
struct val_id flip(struct id_val x) { struct val_id r = {x.val * 2, x.id + 1}; return r; }
struct chars next(struct chars c) { c.a++; c.b++; c.c++; return c; }
struct shorts sum_shorts(struct shorts a, struct shorts b) {
    for (int i = 0; i < 3; i++) a.s[i] += b.s[i];
    a.i += b.i;
    return a;
}

int main(void) {
    struct val_id r = flip(iv(41, 1.25));
    printf("%.2f %ld\n", r.val, r.id);
    struct chars c = next(next((struct chars){'a', 'x', '0'}));
    printf("%c%c%c\n", c.a, c.b, c.c);
    struct shorts s = sum_shorts((struct shorts){{1, 2, 3}, 100}, (struct shorts){{10, 20, 30}, 5});
    printf("%d %d %d %d\n", s.s[0], s.s[1], s.s[2], s.i);
    return 0;
}
