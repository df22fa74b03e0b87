int main(void) {
    int a = 1;
    int b = 2;
    int *p = &a;
    *p = *p + 10;
    p = &b;
    *p = *p + 20;
    return a + b;
}
