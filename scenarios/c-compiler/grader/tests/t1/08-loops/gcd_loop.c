int main(void) {
    int a = 1071;
    int b = 462;
    while (b != 0) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}
