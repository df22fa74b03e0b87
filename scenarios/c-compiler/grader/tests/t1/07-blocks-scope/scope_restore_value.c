int main(void) {
    int a = 11;
    int b = 22;
    {
        int a = 33;
        int b = 44;
        a = a + b;
    }
    return a + b;
}
