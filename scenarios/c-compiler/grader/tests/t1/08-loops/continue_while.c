int main(void) {
    int i = 0;
    int odd = 0;
    while (i < 15) {
        i++;
        if (i % 2 == 0) continue;
        odd++;
    }
    return odd;
}
