int main(void) {
    char a = 100;
    char b = 100;
    int s = a + b;
    return s - 100;
}
