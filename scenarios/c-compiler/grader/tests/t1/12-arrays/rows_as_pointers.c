int row_sum(int *r, int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        s += r[i];
    return s;
}
int main(void) {
    int m[3][3] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
    return row_sum(m[1], 3) * 10 + row_sum(m[2], 3);
}
