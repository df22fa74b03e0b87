int main(void) {
    int a[3] = {4, 5, 6};
    return 2[a] * 10 + 0[a];
}
