int main(void) {
    int a[3];
    int b[3];
    b[0] = 4; b[1] = 5; b[2] = 6;
    a[0] = b[2];
    a[1] = b[0];
    a[2] = a[0] * a[1];
    return a[2];
}
