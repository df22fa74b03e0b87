int main(void) {
    int a = 3;
    int b = 4;
    return a * a + b * b;
}
