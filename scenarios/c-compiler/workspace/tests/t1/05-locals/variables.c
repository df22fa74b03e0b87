int main(void) {
    int a = 3;
    int b = a * 4;
    return a + b;
}
