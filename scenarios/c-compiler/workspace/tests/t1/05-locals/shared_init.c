int main(void) {
    int a = 5, b = a + 1;
    return a * b;
}
