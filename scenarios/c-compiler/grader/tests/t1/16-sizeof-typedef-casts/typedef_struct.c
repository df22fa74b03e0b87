typedef struct {
    int x;
    int y;
} vec2;
int dot(vec2 *a, vec2 *b) {
    return a->x * b->x + a->y * b->y;
}
int main(void) {
    vec2 a;
    vec2 b;
    a.x = 1; a.y = 2;
    b.x = 3; b.y = 4;
    return dot(&a, &b);
}
