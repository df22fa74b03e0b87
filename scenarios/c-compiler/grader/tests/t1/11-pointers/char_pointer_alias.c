int main(void) {
    int x = 0;
    char *c = (char *)&x;
    c[0] = 1;
    c[1] = 2;
    return x % 256 + x / 256;
}
