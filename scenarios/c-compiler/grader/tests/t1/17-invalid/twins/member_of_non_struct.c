struct s { int x; };
int main(void) {
    struct s a;
    a.x = 11;
    return a.x;
}
