int f(void) {
    static int v = 100;
    v = v + 10;
    return v;
}
int main(void) {
    f();
    return f();
}
