void divmod(int a, int b, int *q, int *r) {
    *q = a / b;
    *r = a % b;
}
int main(void) {
    int q;
    int r;
    divmod(47, 5, &q, &r);
    return q * 10 + r;
}
