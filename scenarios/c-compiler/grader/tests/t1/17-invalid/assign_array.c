int main(void) {
    int a[3];
    int b[3];
    a = b;
    return 0;
}
