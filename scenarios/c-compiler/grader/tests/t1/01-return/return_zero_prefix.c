int main(void) {
    return 0;
    // a program that only returns zero
}
