int depth(int n) {
    if (n == 0) return 0;
    return 1 + depth(n - 1);
}
int main(void) {
    return depth(10000) % 256;
}
