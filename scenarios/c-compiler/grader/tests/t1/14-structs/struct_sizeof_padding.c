struct a { char c; int i; };
struct b { char c1; char c2; };
struct c { char c; long l; };
int main(void) {
    return sizeof(struct a) * 100 + sizeof(struct b) * 10 + sizeof(struct c) - 300;
}
