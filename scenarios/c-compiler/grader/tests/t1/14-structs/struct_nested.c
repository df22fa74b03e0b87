struct inner {
    int a;
    int b;
};
struct outer {
    struct inner in;
    int c;
};
int main(void) {
    struct outer o;
    o.in.a = 1;
    o.in.b = 2;
    o.c = 3;
    return o.in.a * 100 + o.in.b * 10 + o.c;
}
