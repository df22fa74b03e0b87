int max_of(int *a, int n) {
    int m = a[0];
    for (int i = 1; i < n; i++)
        if (a[i] > m) m = a[i];
    return m;
}
int main(void) {
    int a[] = {12, 45, 7, 99, 23, 64};
    return max_of(a, 6);
}
