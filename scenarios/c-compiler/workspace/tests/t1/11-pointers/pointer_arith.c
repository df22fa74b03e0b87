int main(void) {
    int a[3];
    a[0] = 4;
    a[1] = 5;
    a[2] = 6;
    int *p = a + 1;
    return *p + *(p + 1);
}
