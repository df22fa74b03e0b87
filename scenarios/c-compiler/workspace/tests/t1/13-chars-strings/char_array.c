int putchar(int c);
int main(void) {
    char s[] = "hi";
    s[0] = 'H';
    putchar(s[0]);
    putchar(s[1]);
    putchar('\n');
    return 0;
}
