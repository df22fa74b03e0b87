int main(void) {
    int a = 2;
    {
        int b = a * a;
        a = b;
    }
    int c = a + 1;
    return c;
}
