int putchar(int c);
void line(int n) {
    for (int i = 0; i < n; i++)
        putchar('-');
    putchar('\n');
}
int main(void) {
    line(3);
    line(7);
    return 1;
}
