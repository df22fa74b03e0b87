struct a { int x; };
struct b { int x; };
int main(void) {
    struct a va;
    struct b vb;
    vb.x = 1;
    va = vb;
    return va.x;
}
