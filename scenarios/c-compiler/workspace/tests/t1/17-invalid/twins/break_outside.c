int main(void) {
    int n = 0;
    for (;;) {
        if (n == 8) break;
        n++;
    }
    return n;
}
