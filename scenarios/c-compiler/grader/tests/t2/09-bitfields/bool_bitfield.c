int printf(const char *fmt, ...);

struct opts { _Bool verbose : 1; _Bool quiet : 1; unsigned level : 2; };

int main(void) {
    struct opts o = {0};
    o.verbose = 5;      /* any non-zero value is 1 */
    o.level = 3;
    printf("%d %d %d\n", o.verbose, o.quiet, o.level);
    o.level++;
    o.quiet = !o.verbose;
    printf("%d %d %d\n", o.verbose, o.quiet, o.level);
    return (int)sizeof o;
}
