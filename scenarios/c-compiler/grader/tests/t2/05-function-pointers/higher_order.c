int printf(const char *fmt, ...);

typedef int (*pred)(int);
typedef int (*fold_fn)(int, int);

int is_odd(int x) { return x & 1; }
int is_small(int x) { return x < 10; }
int plus(int a, int b) { return a + b; }
int maxi(int a, int b) { return a > b ? a : b; }

int filter(const int *in, int n, pred p, int *out) {
    int k = 0;
    for (int i = 0; i < n; i++) if (p(in[i])) out[k++] = in[i];
    return k;
}

int fold(const int *v, int n, fold_fn f, int init) {
    for (int i = 0; i < n; i++) init = f(init, v[i]);
    return init;
}

int main(void) {
    int v[10] = {3, 14, 15, 9, 2, 65, 35, 8, 97, 9};
    int tmp[10];
    pred preds[2] = {is_odd, is_small};
    fold_fn folds[2] = {plus, maxi};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            int k = filter(v, 10, preds[i], tmp);
            printf("%d:%d ", k, fold(tmp, k, folds[j], 0));
        }
    printf("\n");
    return 0;
}
