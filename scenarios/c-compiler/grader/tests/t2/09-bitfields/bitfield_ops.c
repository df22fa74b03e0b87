int printf(const char *fmt, ...);

struct counter { unsigned lo : 7; unsigned hi : 9; int delta : 6; };

int main(void) {
    struct counter c = {100, 300, -20};
    c.lo += 50;         /* 150 mod 128 = 22 */
    c.hi *= 2;          /* 600 mod 512 = 88 */
    c.delta -= 12;      /* -32 fits */
    printf("%u %u %d\n", c.lo, c.hi, c.delta);
    c.lo |= 0x40;
    c.hi ^= 0x1ff;
    c.delta = c.delta / 4;
    printf("%u %u %d\n", c.lo, c.hi, c.delta);
    int x = c.lo + c.hi + c.delta;
    unsigned y = c.lo << 3;
    printf("%d %u %d\n", x, y, c.lo > 100);
    struct counter *p = &c;
    p->hi = 511;
    p->hi++;
    printf("%u\n", p->hi);
    return 0;
}
