int main(void) {
    return 6 * 7;
}
