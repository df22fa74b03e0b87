int printf(const char *fmt, ...);

#define STR(x) #x
#define XSTR(x) STR(x)
#define TEN 10
#define ADD(a, b) a + b

int main(void) {
    printf("%s | %s\n", STR(TEN), XSTR(TEN));
    printf("%s | %s\n", STR(ADD(1, 2)), XSTR(ADD(1, 2)));
    printf("%s\n", XSTR(__LINE__));
    return 0;
}
