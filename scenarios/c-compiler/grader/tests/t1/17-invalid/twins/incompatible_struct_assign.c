struct a { int x; };
struct b { int x; };
int main(void) {
    struct a va;
    struct b vb;
    vb.x = 9;
    va.x = vb.x;
    return va.x;
}
