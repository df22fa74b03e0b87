struct s {
    int a;
};
int main(void) {
    struct s v;
    v.a = 1;
    if (v) return 1;
    return 0;
}
