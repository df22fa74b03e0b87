int putchar(int c);
int main(void) {
    char *s = "loop\n";
    for (char *p = s; *p; p++)
        putchar(*p);
    return 0;
}
