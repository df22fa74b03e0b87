struct s {
    int a;
    int b;
};
int main(void) {
    struct s v;
    int *pb = &v.b;
    *pb = 42;
    v.a = 1;
    return v.b + v.a;
}
