int main(void) {
    int a;
    int b;
    int c;
    a = b = c = 9;
    return a + b + c;
}
