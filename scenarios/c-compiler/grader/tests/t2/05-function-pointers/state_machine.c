int printf(const char *fmt, ...);

struct machine;
typedef void (*state_fn)(struct machine *, char);

struct machine {
    state_fn state;
    int words, digits;
};

void in_space(struct machine *m, char c);
void in_word(struct machine *m, char c);
void in_number(struct machine *m, char c);

void in_space(struct machine *m, char c) {
    if (c >= '0' && c <= '9') { m->digits++; m->state = in_number; }
    else if (c != ' ') { m->words++; m->state = in_word; }
}
void in_word(struct machine *m, char c) { if (c == ' ') m->state = in_space; }
void in_number(struct machine *m, char c) {
    if (c == ' ') m->state = in_space;
    else if (c < '0' || c > '9') { m->words++; m->state = in_word; }
}

int main(void) {
    const char *text = "the 42 quick 7x brown 1999 foxes  jump 3";
    struct machine m = {in_space, 0, 0};
    for (const char *p = text; *p; p++) m.state(&m, *p);
    printf("%d words, %d numbers\n", m.words, m.digits);
    return m.words;
}
