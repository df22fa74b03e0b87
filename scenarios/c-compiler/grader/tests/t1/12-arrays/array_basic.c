int main(void) {
    int a[3];
    a[0] = 5;
    a[1] = 6;
    a[2] = 7;
    return a[0] + a[1] + a[2];
}
