void fill(int a[], int n, int v) {
    for (int i = 0; i < n; i++)
        a[i] = v + i;
}
int main(void) {
    int a[5];
    fill(a, 5, 10);
    return a[4] + a[0];
}
