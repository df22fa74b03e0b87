int printf(char *fmt, ...);
int perm[5];
int used[5];
int count;
void gen(int k, int n) {
    if (k == n) {
        count++;
        if (count <= 6) {
            for (int i = 0; i < n; i++)
                printf("%d", perm[i]);
            printf("\n");
        }
        return;
    }
    for (int v = 0; v < n; v++) {
        if (used[v]) continue;
        used[v] = 1;
        perm[k] = v;
        gen(k + 1, n);
        used[v] = 0;
    }
}
int main(void) {
    gen(0, 5);
    return count;
}
