int main(void) {
    int a[4] = {2, 4, 6};
    return a[0] + a[1] + a[2] + a[3];
}
