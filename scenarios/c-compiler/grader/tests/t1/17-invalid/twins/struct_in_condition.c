struct s {
    int a;
};
int main(void) {
    struct s v;
    v.a = 1;
    if (v.a) return 13;
    return 0;
}
