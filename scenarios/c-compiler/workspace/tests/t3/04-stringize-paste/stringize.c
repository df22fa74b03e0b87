int printf(const char *fmt, ...);

#define STR(x) #x
#define XSTR(x) STR(x)
#define VALUE 42
#define SHOW_INT(e) printf("%s = %d\n", #e, (e))

int main(void) {
    printf("%s %s\n", STR(VALUE), XSTR(VALUE));
    printf("%s\n", STR(a + b   *  c));
    SHOW_INT(6 * 7);
    SHOW_INT(VALUE / 2);
    return 0;
}
