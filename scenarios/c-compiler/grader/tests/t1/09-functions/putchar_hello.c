int putchar(int c);
int main(void) {
    putchar('H');
    putchar('i');
    putchar('!');
    putchar('\n');
    return 0;
}
