int main(void) {
    return 1 + 2 < 2 + 2 == 1;
}
