int main(void) {
    int a = 1;
    int *p = &a;
    int *q = &a;
    return (p == q) + (p != q) * 2;
}
