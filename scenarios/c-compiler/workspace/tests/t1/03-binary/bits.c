int main(void) {
    return (6 & 3) | (1 << 4);
}
