int a(void) {
    static int n = 1;
    return n++;
}
int b(void) {
    static int n = 50;
    return n++;
}
int main(void) {
    a(); a(); b();
    return a() + b();
}
