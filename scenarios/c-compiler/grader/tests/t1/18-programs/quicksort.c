int printf(char *fmt, ...);
void swap(int *a, int *b) {
    int t = *a;
    *a = *b;
    *b = t;
}
int partition(int *a, int lo, int hi) {
    int pivot = a[hi];
    int i = lo;
    for (int j = lo; j < hi; j++) {
        if (a[j] < pivot) {
            swap(&a[i], &a[j]);
            i++;
        }
    }
    swap(&a[i], &a[hi]);
    return i;
}
void quicksort(int *a, int lo, int hi) {
    if (lo >= hi) return;
    int p = partition(a, lo, hi);
    quicksort(a, lo, p - 1);
    quicksort(a, p + 1, hi);
}
int main(void) {
    int a[20];
    int seed = 12345;
    for (int i = 0; i < 20; i++) {
        seed = (seed * 1103 + 12345) % 32768;
        a[i] = seed % 100;
    }
    quicksort(a, 0, 19);
    for (int i = 0; i < 20; i++)
        printf("%d ", a[i]);
    printf("\n");
    for (int i = 1; i < 20; i++)
        if (a[i - 1] > a[i]) return 1;
    return 0;
}
