int main(void) {
    int x = 9;
    switch (x) {
    case 1:
        return 10;
    default:
        return 99;
    }
}
