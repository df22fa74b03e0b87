int main(void) {
    int i = 0;
    int s = 0;
    while (i < 10) {
        s = s + i;
        i = i + 1;
    }
    return s;
}
