int main(void) {
    int x = 0xF0;
    x |= 0x0F;
    x &= 0x3C;
    x ^= 0xFF;
    x <<= 1;
    x >>= 2;
    return x;
}
