int main(void) {
    return 0x2A;
}
