int main(void) {
    int a = 17;
    int b = 42;
    int c = 23;
    int m = a;
    if (b > m) m = b;
    if (c > m) m = c;
    return m;
}
