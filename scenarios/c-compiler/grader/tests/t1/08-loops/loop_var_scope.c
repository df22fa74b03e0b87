int main(void) {
    int i = 100;
    for (int i = 0; i < 3; i++) {
        int i2 = i * 2;
        if (i2 > 10) return 1;
    }
    return i;
}
