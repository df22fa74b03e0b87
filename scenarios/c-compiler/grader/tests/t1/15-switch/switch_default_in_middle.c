int main(void) {
    int r = 0;
    switch (7) {
    case 1:
        r = 1;
        break;
    default:
        r = 50;
    case 2:
        r += 2;
        break;
    }
    return r;
}
