int printf(const char *fmt, ...);

struct config { int width; int height; int depth; };

#define ACCESSORS(field) \
    int get_##field(const struct config *c) { return c->field; } \
    void set_##field(struct config *c, int v) { c->field = v; }

ACCESSORS(width)
ACCESSORS(height)
ACCESSORS(depth)

#define DUMP(c, f) printf(#f " = %d\n", get_##f(c))

int main(void) {
    struct config c = {0};
    set_width(&c, 640);
    set_height(&c, 480);
    set_depth(&c, get_width(&c) / 20);
    DUMP(&c, width);
    DUMP(&c, height);
    DUMP(&c, depth);
    return 0;
}
