int printf(const char *fmt, ...);

_Bool is_even(int n) { return n % 2 == 0; }

int main(void) {
    _Bool a = 5;
    _Bool b = 0 * 5;
    _Bool c = (_Bool)256;
    _Bool d = -1;
    printf("%d %d %d %d\n", a, b, c, d);
    int count = 0;
    for (int i = 0; i < 10; i++) count += is_even(i);
    printf("%d\n", count);
    _Bool flags[4] = {1, 0, 7, 0};
    printf("%d\n", flags[0] + flags[1] + flags[2] + flags[3]);
    printf("%d\n", (int)sizeof(_Bool));
    a++;
    printf("%d\n", a);
    return a + c;
}
