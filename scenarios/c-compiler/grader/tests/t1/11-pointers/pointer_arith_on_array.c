int main(void) {
    int a[4];
    a[0] = 10;
    a[1] = 20;
    a[2] = 30;
    a[3] = 40;
    int *p = a;
    p = p + 2;
    return *p + *(p - 1) + *(p + 1);
}
