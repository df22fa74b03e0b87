int printf(const char *fmt, ...);

struct perms {
    unsigned other_x : 1, other_w : 1, other_r : 1;
    unsigned group_x : 1, group_w : 1, group_r : 1;
    unsigned user_x : 1, user_w : 1, user_r : 1;
};

void show(const struct perms *p) {
    printf("%c%c%c%c%c%c%c%c%c\n", p->user_r ? 'r' : '-', p->user_w ? 'w' : '-',
           p->user_x ? 'x' : '-', p->group_r ? 'r' : '-', p->group_w ? 'w' : '-',
           p->group_x ? 'x' : '-', p->other_r ? 'r' : '-', p->other_w ? 'w' : '-',
           p->other_x ? 'x' : '-');
}

int main(void) {
    unsigned modes[4] = {0755, 0644, 0600, 0777};
    for (int i = 0; i < 4; i++) {
        union { struct perms p; unsigned raw; } u;
        u.raw = modes[i];
        show(&u.p);
        u.p.group_w = 1;
        u.p.other_r = 0;
        printf("%o\n", u.raw & 0777);
    }
    return 0;
}
