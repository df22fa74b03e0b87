int main(void) {
    int a[7] = {1, 2, 3, 4, 5, 6, 7};
    int i = 0;
    int j = 6;
    while (i < j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
    }
    return a[0] * 100 + a[1] * 10 + a[6];
}
