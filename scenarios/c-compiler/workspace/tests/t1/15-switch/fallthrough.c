int main(void) {
    int r = 0;
    switch (1) {
    case 1:
        r += 1;
    case 2:
        r += 2;
        break;
    case 3:
        r += 4;
    }
    return r;
}
