int main(void) {
    int x = 12;
    switch (x) {
    case 2 * 5:
        return 1;
    case 3 * 4:
        return 2;
    case 1 << 4:
        return 3;
    }
    return 0;
}
