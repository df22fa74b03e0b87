int sum(int *a, int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}
int main(void) {
    int v[4] = {10, 20, 30, 40};
    return sum(v, 4);
}
