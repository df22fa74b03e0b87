int main(void) {
    int a[8] = {5, 2, 8, 1, 9, 3, 7, 4};
    for (int i = 0; i < 8; i++)
        for (int j = 0; j + 1 < 8 - i; j++)
            if (a[j] > a[j + 1]) {
                int t = a[j];
                a[j] = a[j + 1];
                a[j + 1] = t;
            }
    return a[0] + a[1] * 10 + a[7] * 20;
}
