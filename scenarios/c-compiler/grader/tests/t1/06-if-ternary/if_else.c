int main(void) {
    int a = 5;
    if (a > 10) return 1; else return 2;
}
