int main(void) {
    int n = 0;
    switch (1) {
    case 1:
        for (int i = 0; i < 100; i++) {
            if (i == 7) break;
            n++;
        }
        n += 100;
        break;
    case 2:
        n = 0;
    }
    return n;
}
