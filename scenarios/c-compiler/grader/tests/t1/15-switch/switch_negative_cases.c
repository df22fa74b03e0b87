int main(void) {
    int x = -3;
    switch (x) {
    case -1: return 1;
    case -3: return 3;
    case 3: return 30;
    }
    return 0;
}
