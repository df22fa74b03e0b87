int main(void) {
    int a;
    a = 3;
    return a + 10;
}
