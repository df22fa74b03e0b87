int printf(const char *fmt, ...);

#define LIMIT 10
int a = LIMIT;
#undef LIMIT
#define LIMIT 20
int b = LIMIT;
#define LIMIT 20   /* identical redefinition is allowed */
#undef NOT_DEFINED

int main(void) {
    printf("%d %d %d\n", a, b, LIMIT);
    return a + b;
}
