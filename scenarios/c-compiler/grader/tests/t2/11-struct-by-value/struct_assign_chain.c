int printf(const char *fmt, ...);

struct state { int pos; char dir; unsigned steps; };

struct state step(struct state s) {
    switch (s.dir) {
    case 'R': s.pos++; break;
    case 'L': s.pos--; break;
    }
    s.steps++;
    if (s.pos >= 5) s.dir = 'L';
    if (s.pos <= 0) s.dir = 'R';
    return s;
}

int main(void) {
    struct state s = {0, 'R', 0}, history[20];
    for (int i = 0; i < 20; i++) history[i] = s = step(s);
    for (int i = 0; i < 20; i++) printf("%d", history[i].pos);
    printf("\n%d %c %u\n", s.pos, s.dir, s.steps);
    struct state a, b, c;
    a = b = c = step(s);
    return a.pos + b.pos + c.pos;
}
