int printf(const char *fmt, ...);

int main(void) {
    unsigned char c = 250;
    unsigned short s = 65530;
    int i;
    for (i = 0; i < 10; i++) {
        c++;
        s += 2;
    }
    printf("%d %d\n", c, s);
    unsigned int n = 0;
    n--;
    printf("%u\n", n);
    unsigned char k = 0;
    int loops = 0;
    do { k += 37; loops++; } while (k != 0);
    printf("%d\n", loops);
    return c;
}
