int main(void) {
    int a = 7;
    return a < 3 ? 1 : a < 6 ? 2 : a < 9 ? 3 : 4;
}
