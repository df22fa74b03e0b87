int main(void) {
    int x = 3;
    switch (x) {
    case 1: return 10;
    case 3: return 30;
    default: return 0;
    }
}
