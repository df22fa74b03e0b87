int main(void) {
    long a[4] = {1000000000, 2000000000, 3000000000, 4000000000};
    long s = 0;
    for (int i = 0; i < 4; i++)
        s += a[i];
    return s / 1000000000;
}
