int main(void) {
    int a = 100000;
    long p = (long)a * a;
    return p / 10000000;
}
