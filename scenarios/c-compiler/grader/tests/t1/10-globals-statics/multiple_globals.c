int a = 1, b = 2, c;
int main(void) {
    c = a + b;
    a = 10;
    return a + b + c;
}
