int main(void) {
    int a = 1;
    int b = 2;
    a = a + b + 5;
    return a;
}
