int main(void) {
    long v = 1;
    v <<= 40;
    v >>= 35;
    return v;
}
