int main(void) {
    int a[10];
    int *p = &a[2];
    int *q = &a[9];
    return q - p;
}
