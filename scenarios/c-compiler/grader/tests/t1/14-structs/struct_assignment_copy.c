struct pair {
    int a;
    int b;
};
int main(void) {
    struct pair p = {1, 2};
    struct pair q;
    q = p;
    q.a = 50;
    return p.a + q.a + q.b;
}
