int main(void) {
    int m[2][2] = {{1, 2}, {3, 4}};
    return m[1][0] * m[0][1];
}
