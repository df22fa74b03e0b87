int printf(const char *fmt, ...);

#define AB 100
#define A_B 200
#define CAT(a, b) a##b
#define CAT3(a, b, c) a##b##c
#define VERSION_1 "one"
#define VERSION_2 "two"
#define PICK(n) VERSION_##n

int main(void) {
    printf("%d %d\n", CAT(A, B), CAT3(A, _, B));  /* the pasted names are macros */
    printf("%s %s\n", PICK(1), PICK(2));
    return 0;
}
