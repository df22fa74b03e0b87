int main(void) {
    return -17 / 5 + 10;
}
