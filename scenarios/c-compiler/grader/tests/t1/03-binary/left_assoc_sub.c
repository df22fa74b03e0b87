int main(void) {
    return 20 - 5 - 3;
}
