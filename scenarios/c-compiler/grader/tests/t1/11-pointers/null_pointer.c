int main(void) {
    int *p = 0;
    if (p == 0) return 12;
    return 1;
}
