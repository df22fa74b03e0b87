int main(void) {
    int n = 3;
    if (n > 5) {
        int n = 1;
        return n;
    } else {
        int n = 2;
        n = n * 20;
        return n;
    }
}
