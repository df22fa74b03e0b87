int printf(const char *fmt, ...);

#define A B
#define B C
#define C 42
#define TWICE_A (A + A)
#define SELF SELF          /* a macro never expands itself */

int SELF = 7;
int x1 = 3, x2 = 4;
#define x1 (x2 + 1)        /* x1 -> (x2 + 1) -> ((x1 * 2) + 1): the inner x1 stays */
#define x2 (x1 * 2)

int main(void) {
    printf("%d %d %d\n", A, TWICE_A, SELF);
    printf("%d %d\n", x1, x2);
    return C;
}
