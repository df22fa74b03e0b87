int f(void) {
    return 3;
}
int main(void) {
    (void)f();
    int unused = 4;
    (void)unused;
    return 8;
}
