int main(void) {
    int s = 0;
    for (int i = 0; i < 5; i++) {
        s = s * 2 + i;
    }
    return s;
}
