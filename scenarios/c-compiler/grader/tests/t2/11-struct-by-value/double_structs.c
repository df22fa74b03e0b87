int printf(const char *fmt, ...);

struct vec2 { double x, y; };
struct vec3 { double x, y, z; };
struct fpair { float a, b; };
struct ftriple { float a, b, c; };

struct vec2 v2(double x, double y) { struct vec2 v = {x, y}; return v; }
struct vec2 scale2(struct vec2 v, double k) { v.x *= k; v.y *= k; return v; }
struct vec3 cross(struct vec3 a, struct vec3 b) {
    struct vec3 r = {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
    return r;
}
struct fpair swapf(struct fpair p) { struct fpair r = {p.b, p.a}; return r; }
struct ftriple bump(struct ftriple t) { t.a += 1; t.b += 2; t.c += 3; return t; }

int main(void) {
    struct vec2 a = scale2(v2(1.5, -2), 4);
    printf("%.2f %.2f\n", a.x, a.y);
    struct vec3 x = {1, 0, 0}, y = {0, 1, 0};
    struct vec3 z = cross(x, y);
    printf("%.1f %.1f %.1f\n", z.x, z.y, z.z);
    struct fpair p = swapf((struct fpair){0.5f, 2.25f});
    printf("%.2f %.2f\n", p.a, p.b);
    struct ftriple t = bump((struct ftriple){1, 1, 1});
    printf("%.1f %.1f %.1f\n", t.a, t.b, t.c);
    return 0;
}
