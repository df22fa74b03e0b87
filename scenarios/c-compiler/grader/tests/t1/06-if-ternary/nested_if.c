int main(void) {
    int a = 4;
    int r = 0;
    if (a > 1) {
        if (a > 3) {
            r = 10;
        }
        r = r + 1;
    }
    return r;
}
