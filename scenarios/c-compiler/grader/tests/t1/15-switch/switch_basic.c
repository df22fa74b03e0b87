int main(void) {
    int x = 2;
    switch (x) {
    case 1:
        return 10;
    case 2:
        return 20;
    case 3:
        return 30;
    }
    return 0;
}
