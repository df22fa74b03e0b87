struct s { int a; };
struct t { int b; };
int main(void) {
    struct s x;
    struct t y;
    x.a = 2;
    y.b = 3;
    return x.a * y.b;
}
