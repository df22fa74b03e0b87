int putchar(int c);
void show(int x) {
    if (x < 0) return;
    putchar('0' + x);
}
int main(void) {
    show(-1);
    show(4);
    show(-9);
    show(2);
    putchar('\n');
    return 0;
}
