void swap(int *a, int *b) {
    int t = *a;
    *a = *b;
    *b = t;
}
int main(void) {
    int x = 4;
    int y = 9;
    swap(&x, &y);
    return x * 10 + y;
}
