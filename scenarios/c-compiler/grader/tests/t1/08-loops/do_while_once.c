int main(void) {
    int n = 100;
    do {
        n = n + 1;
    } while (n < 50);
    return n;
}
