int main(void) {
    return 100 % 7;
}
