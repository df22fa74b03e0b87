int first(int *a) {
    return a[0];
}
int main(void) {
    int a[2] = {9, 1};
    return first(a) + a[1];
}
