struct pair {
    int a;
    int b;
};
int main(void) {
    struct pair ps[2];
    ps[0].a = 1;
    ps[0].b = 2;
    ps[1].a = 3;
    ps[1].b = 4;
    return ps[0].a + ps[1].b * 10;
}
