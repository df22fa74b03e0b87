int main(void) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        switch (i) {
        case 0:
            v += 1;
            break;
        case 1:
            v += 10;
            break;
        default:
            v += 100;
            break;
        }
    }
    return v % 256;
}
