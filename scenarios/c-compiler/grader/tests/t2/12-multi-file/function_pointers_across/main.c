int printf(const char *fmt, ...);
typedef int (*handler)(int);
handler lookup(const char *name);
int main(void) {
    const char *names[] = {"double", "negate", "square", "missing"};
    for (int i = 0; i < 4; i++) {
        handler h = lookup(names[i]);
        if (h) printf("%s(7) = %d\n", names[i], h(7));
        else printf("%s: none\n", names[i]);
    }
    return 0;
}
