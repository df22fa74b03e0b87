int find(int *a, int n, int key) {
    int lo = 0;
    int hi = n - 1;
    int probes = 0;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        probes++;
        if (a[mid] == key) return probes * 100 + mid;
        if (a[mid] < key) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}
int main(void) {
    int a[100];
    for (int i = 0; i < 100; i++)
        a[i] = i * 3;
    int r1 = find(a, 100, 51);
    int r2 = find(a, 100, 52);
    return (r1 % 100) + (r2 == -1) * 100;
}
