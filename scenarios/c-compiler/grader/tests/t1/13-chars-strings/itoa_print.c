int putchar(int c);
void print_int(int n) {
    char buf[16];
    int i = 0;
    if (n == 0) {
        putchar('0');
        return;
    }
    if (n < 0) {
        putchar('-');
        n = -n;
    }
    while (n > 0) {
        buf[i++] = '0' + n % 10;
        n /= 10;
    }
    while (i > 0)
        putchar(buf[--i]);
}
int main(void) {
    print_int(0);
    putchar(' ');
    print_int(-4821);
    putchar(' ');
    print_int(90210);
    putchar('\n');
    return 0;
}
