int main(void) {
    return 00000123;
}
