int printf(const char *fmt, ...);

int value(void) {
#define LOCAL 5
    return LOCAL;
}

int later(void) { return LOCAL * 2; }   /* still defined: macros ignore C scopes */

#undef LOCAL
int LOCAL = 100;

int main(void) {
    printf("%d %d %d\n", value(), later(), LOCAL);
    return 0;
}
