int main(void) {
    int a = 1;
    int b = 16;
    return a + b;
}
