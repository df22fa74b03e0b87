int main(void) {
    long total = 0;
    long i = 100000;
    while (i > 0) {
        total += i;
        i--;
    }
    return total % 251;
}
