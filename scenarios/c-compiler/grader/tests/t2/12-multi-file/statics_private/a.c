int printf(const char *fmt, ...);
static int count = 100;
static int helper(void) { return ++count; }
int from_b(void);
int b_count(void);
int main(void) {
    helper();
    helper();
    int fb = from_b();
    printf("%d %d %d\n", count, fb, b_count());
    return count - 100;
}
