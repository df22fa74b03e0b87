int main(void) {
    int a;
    int b = (a = 6) * 2;
    return a + b;
}
