int clobber(int a) {
    a = a * 100;
    return a;
}
int main(void) {
    int v = 2;
    int r = clobber(v);
    return v + r / 100;
}
