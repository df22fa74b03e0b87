int main(void) {
    int x = 1;
    int *p = &x;
    *p = 55;
    return x;
}
