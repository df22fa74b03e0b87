int main(void) {
    return 1000000 * 1000 / 1000000 % 256;
}
