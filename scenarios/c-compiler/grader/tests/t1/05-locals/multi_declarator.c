int main(void) {
    int a = 1, b = 2, c;
    c = a + b * 10;
    return c;
}
