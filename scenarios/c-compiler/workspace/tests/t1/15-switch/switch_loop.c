int main(void) {
    int s = 0;
    for (int i = 0; i < 5; i++) {
        switch (i) {
        case 0: s += 1; break;
        case 4: s += 4; break;
        default: s += 10;
        }
    }
    return s;
}
