int main(void) {
    int a = 1;
    int b = 1;
    if (a == 2)
        a = 10;
    b = 5;
    return a + b;
}
