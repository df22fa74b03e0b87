int weigh(int a, int b, int c, int d, int e, int f) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
}
int main(void) {
    return weigh(1, 2, 3, 4, 5, 6);
}
