int main(void) {
    return 0 && 1 / 0;
}
