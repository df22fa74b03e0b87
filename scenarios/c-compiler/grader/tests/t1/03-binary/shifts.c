int main(void) {
    return (1 << 6) + (200 >> 3);
}
