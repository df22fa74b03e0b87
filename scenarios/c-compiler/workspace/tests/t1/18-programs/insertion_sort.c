int printf(char *fmt, ...);
int main(void) {
    int a[6] = {4, 1, 5, 9, 2, 6};
    for (int i = 1; i < 6; i++) {
        int v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
    for (int i = 0; i < 6; i++) printf("%d ", a[i]);
    printf("\n");
    return a[5];
}
