int printf(const char *fmt, ...);

struct packet {
    unsigned char type;
    union {
        struct { short x, y; } pos;
        struct { int code; char msg[8]; } err;
        unsigned long raw;
    } u;
    int checksum;
};

int main(void) {
    struct packet p;
    p.type = 1;
    p.u.raw = 0;
    p.u.pos.x = 3;
    p.u.pos.y = -4;
    p.checksum = p.u.pos.x * 10 + p.u.pos.y;
    printf("%d %d %d\n", p.type, p.checksum, (int)sizeof(p));
    p.u.err.code = 404;
    p.u.err.msg[0] = 'N';
    p.u.err.msg[1] = 'F';
    p.u.err.msg[2] = 0;
    printf("%d %s\n", p.u.err.code, p.u.err.msg);
    struct packet *pp = &p;
    pp->u.pos.x = 100;
    printf("%d\n", pp->u.err.code & 0xffff);
    return 0;
}
