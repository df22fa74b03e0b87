int printf(const char *fmt, ...);

#define g(x) (x + 1000)
int (g)(int x) { return x - 1; }      /* parenthesised name: not an invocation */

#define twice(x) (2 * (x))
int twice = 21;                        /* an object named like the macro */

int main(void) {
    int (*fp)(int) = g;                /* g not followed by '(' */
    printf("%d %d %d\n", g(1), (g)(1), fp(1));
    printf("%d %d\n", twice(twice), twice);
    return 0;
}
