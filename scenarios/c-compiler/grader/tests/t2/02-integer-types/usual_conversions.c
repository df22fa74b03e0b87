int printf(const char *fmt, ...);

int main(void) {
    int i = -1;
    long l = 2;
    unsigned int u = 3;
    printf("%ld\n", i + l);                  /* long */
    printf("%ld\n", u + l);                  /* long: 5 */
    printf("%lu\n", (unsigned long)i + u);
    long long ll = -1;
    unsigned int ux = 1;
    printf("%d\n", ll < ux);                 /* long long holds all unsigned int: -1 < 1 */
    unsigned long ul = 1;
    printf("%d\n", ll < ul);                 /* converted to unsigned long: 0 */
    short s1 = 30000, s2 = 30000;
    printf("%d\n", s1 + s2);                 /* int arithmetic */
    return 0;
}
