int main(void) {
    int x = 15;
    if (x < 5) return 1;
    else if (x < 10) return 2;
    else if (x < 20) return 3;
    else return 4;
}
