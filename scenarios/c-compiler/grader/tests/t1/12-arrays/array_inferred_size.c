int main(void) {
    int a[] = {3, 1, 4, 1, 5, 9, 2, 6};
    return sizeof(a) / sizeof(a[0]);
}
