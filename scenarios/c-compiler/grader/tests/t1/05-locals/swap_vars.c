int main(void) {
    int a = 12;
    int b = 34;
    int t = a;
    a = b;
    b = t;
    return a - b;
}
