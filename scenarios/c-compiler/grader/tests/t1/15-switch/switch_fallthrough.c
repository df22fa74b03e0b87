int main(void) {
    int n = 0;
    switch (2) {
    case 1:
        n += 1;
    case 2:
        n += 2;
    case 3:
        n += 3;
    case 4:
        n += 4;
        break;
    case 5:
        n += 5;
    }
    return n;
}
