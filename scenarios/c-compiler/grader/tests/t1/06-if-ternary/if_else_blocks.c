int main(void) {
    int a = 10;
    int b = 20;
    if (a > b) {
        a = a - b;
    } else {
        b = b - a;
        a = a + 1;
    }
    return a + b;
}
