struct s {
    int a;
    char b;
    int c[3];
};
int main(void) {
    struct s v;
    return sizeof(struct s) + sizeof v.c;
}
