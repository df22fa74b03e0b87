int main(void) {
    int s = 0;
    for (int i = 0; i < 10; i++) {
        switch (i % 3) {
        case 0:
            continue;
        case 1:
            s += i;
            break;
        default:
            s += 100;
        }
        s += 1;
    }
    return s % 256;
}
