int printf(char *fmt, ...);
int tmp[64];
void merge_sort(int *a, int n) {
    if (n < 2) return;
    int mid = n / 2;
    merge_sort(a, mid);
    merge_sort(a + mid, n - mid);
    int i = 0;
    int j = mid;
    int k = 0;
    while (i < mid && j < n)
        tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
    while (i < mid) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    for (int t = 0; t < n; t++)
        a[t] = tmp[t];
}
int main(void) {
    int a[] = {38, 27, 43, 3, 9, 82, 10, 55, 1, 67, 23, 41, 99, 0, 12};
    int n = sizeof(a) / sizeof(a[0]);
    merge_sort(a, n);
    for (int i = 0; i < n; i++)
        printf("%d%c", a[i], i == n - 1 ? '\n' : ',');
    return a[n / 2];
}
