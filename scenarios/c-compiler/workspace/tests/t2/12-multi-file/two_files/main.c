int printf(const char *fmt, ...);
extern int counter;
int bump(int by);
int main(void) {
    bump(3);
    bump(4);
    printf("%d\n", counter);
    return counter;
}
