int printf(const char *fmt, ...);

struct shape {
    const char *name;
    double (*area)(double);
    double (*perimeter)(double);
};

double sq_area(double s) { return s * s; }
double sq_perim(double s) { return 4 * s; }
double circle_area(double r) { return 3.14159 * r * r; }
double circle_perim(double r) { return 2 * 3.14159 * r; }

int main(void) {
    struct shape shapes[2] = {{"square", sq_area, sq_perim},
                              {"circle", circle_area, circle_perim}};
    for (int i = 0; i < 2; i++) {
        struct shape *s = &shapes[i];
        printf("%s %.3f %.3f\n", s->name, s->area(2.0), (*s->perimeter)(2.0));
    }
    return 0;
}
