int main(void) {
    int m[2][3] = {{1, 2, 3}, {4, 5, 6}};
    return m[0][2] * 10 + m[1][0];
}
