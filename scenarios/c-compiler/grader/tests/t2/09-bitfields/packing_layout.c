int printf(const char *fmt, ...);

struct a { char c; unsigned x : 4; unsigned y : 4; };
struct b { unsigned x : 30; unsigned y : 4; };
struct c { unsigned long x : 40; unsigned y : 10; char z; };
struct d { char c; int : 0; char e; };
struct e { unsigned short s : 3; unsigned char t : 2; };

int main(void) {
    printf("%d %d %d %d %d\n", (int)sizeof(struct a), (int)sizeof(struct b),
           (int)sizeof(struct c), (int)sizeof(struct d), (int)sizeof(struct e));
    union { struct a s; unsigned char bytes[4]; } u = {0};
    u.s.c = 1;
    u.s.x = 0xa;
    u.s.y = 0x5;
    printf("%d %d %d %d\n", u.bytes[0], u.bytes[1], u.bytes[2], u.bytes[3]);
    return 0;
}
