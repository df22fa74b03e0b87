int main(void) {
    return 0 && 10 / 0;
}
