int main(void) {
    int i = 0;
    while (1) {
        i = i + 3;
        if (i > 10) break;
    }
    return i;
}
