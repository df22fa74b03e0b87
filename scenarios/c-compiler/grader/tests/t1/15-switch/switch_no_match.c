int main(void) {
    int r = 5;
    switch (r) {
    case 1:
        r = 100;
        break;
    case 2:
        r = 200;
        break;
    }
    return r;
}
