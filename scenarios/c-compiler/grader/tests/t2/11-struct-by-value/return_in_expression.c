int printf(const char *fmt, ...);

struct q { long num, den; };

long gcd(long a, long b) { while (b) { long t = a % b; a = b; b = t; } return a < 0 ? -a : a; }
struct q mk(long n, long d) { long g = gcd(n, d); struct q r = {n / g, d / g}; return r; }
struct q qadd(struct q a, struct q b) { return mk(a.num * b.den + b.num * a.den, a.den * b.den); }
struct q qmul(struct q a, struct q b) { return mk(a.num * b.num, a.den * b.den); }

int main(void) {
    struct q h = mk(0, 1);
    for (int i = 1; i <= 10; i++) h = qadd(h, mk(1, i));
    printf("%ld/%ld\n", h.num, h.den);
    printf("%ld/%ld\n", qmul(mk(3, 4), mk(8, 9)).num, qmul(mk(3, 4), mk(8, 9)).den);
    printf("%ld\n", qadd(mk(1, 2), mk(1, 3)).den);
    return 0;
}
