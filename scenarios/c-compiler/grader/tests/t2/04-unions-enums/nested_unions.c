int printf(const char *fmt, ...);

typedef union {
    struct { unsigned char lo, hi; } b;
    unsigned short w;
} reg16;

typedef struct {
    reg16 ax, bx;
    union { reg16 r; int wide; } cx;
} cpu;

int main(void) {
    cpu c;
    c.ax.w = 0x1234;
    c.bx.b.lo = 0xcd;
    c.bx.b.hi = 0xab;
    c.cx.wide = 0;
    c.cx.r.b.hi = 1;
    printf("%x %x %x %x\n", c.ax.b.lo, c.ax.b.hi, c.bx.w, c.cx.wide);
    reg16 copy = c.bx;
    copy.b.lo = 0;
    printf("%x %x\n", copy.w, c.bx.w);
    printf("%d %d\n", (int)sizeof(reg16), (int)sizeof(cpu));
    return 0;
}
