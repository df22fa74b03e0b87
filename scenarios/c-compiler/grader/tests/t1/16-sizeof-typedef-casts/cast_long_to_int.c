int main(void) {
    long big = 4294967296 + 77;
    int small = (int)big;
    return small;
}
