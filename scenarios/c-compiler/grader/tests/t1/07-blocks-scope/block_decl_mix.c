int main(void) {
    int a = 1;
    a = a + 1;
    int b = a * 3;
    {
        b = b + 1;
        int c = b;
        a = c;
    }
    return a + b;
}
