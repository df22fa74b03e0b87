int main(void) {
    int n = 2;
    n += 3;
    n *= 6;
    n -= 1;
    return n;
}
