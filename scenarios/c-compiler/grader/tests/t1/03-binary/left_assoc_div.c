int main(void) {
    return 100 / 10 / 5;
}
