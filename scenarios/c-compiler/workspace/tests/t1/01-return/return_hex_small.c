int main(void) {
    return 0x10;
}
