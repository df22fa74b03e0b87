int main(void) {
    int i = 0;
    int p = 1;
    while (i < 7) {
        p = p * 2;
        i++;
    }
    return p;
}
