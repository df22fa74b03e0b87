int main(void) {
    return 7 + 10 % 4 * 3;
}
