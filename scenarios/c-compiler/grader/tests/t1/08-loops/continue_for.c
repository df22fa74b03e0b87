int main(void) {
    int s = 0;
    for (int i = 0; i < 20; i++) {
        if (i % 3 == 0) continue;
        s += i;
    }
    return s;
}
