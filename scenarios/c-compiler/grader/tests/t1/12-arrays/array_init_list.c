int main(void) {
    int a[5] = {1, 2, 3, 4, 5};
    return a[0] * a[4] + a[2];
}
