int main(void) {
    int a[12];
    long b[3];
    return sizeof(a) + sizeof(b);
}
