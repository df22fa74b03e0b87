int main(void) {
    return -3 * -4 + ~1 * 2;
}
