int main(void) {
    int n = 0;
    if (n > 0) return 1;
    else if (n < 0) return 2;
    else return 3;
}
