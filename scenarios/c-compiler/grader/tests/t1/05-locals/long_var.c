int main(void) {
    long big = 3000000000;
    long small = big / 1000000000;
    return small;
}
