int main(void) {
    int count = 0;
    for (int n = 0; n < 20; n++) {
        switch (n % 4) {
        case 0: count++;
        case 3: count++;
        case 2: count++;
        case 1: count++;
        }
    }
    return count;
}
