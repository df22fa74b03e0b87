int main(void) {
    int a = 2;
    if (a) {
        int a = 7;
        return a;
    }
    return 0;
}
