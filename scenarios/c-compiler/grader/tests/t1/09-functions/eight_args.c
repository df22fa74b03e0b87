int mix(int a, int b, int c, int d, int e, int f, int g, int h) {
    return a - b + c - d + e - f + g * h;
}
int main(void) {
    return mix(10, 1, 9, 2, 8, 3, 7, 6);
}
