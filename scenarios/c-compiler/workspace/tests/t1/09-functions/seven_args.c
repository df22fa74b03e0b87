int sum7(int a, int b, int c, int d, int e, int f, int g) {
    return a + b + c + d + e + f + g;
}
int main(void) {
    return sum7(1, 2, 3, 4, 5, 6, 7);
}
