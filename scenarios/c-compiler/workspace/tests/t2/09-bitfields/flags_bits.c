int printf(const char *fmt, ...);

struct flags {
    unsigned int ready : 1;
    unsigned int mode : 3;
    unsigned int count : 4;
};

int main(void) {
    struct flags f = {0};
    f.ready = 1;
    f.mode = 5;
    f.count = 15;
    f.count++;                 /* wraps to 0 */
    printf("%d %d %d %d\n", f.ready, f.mode, f.count, (int)sizeof f);
    f.mode = 9;                /* keeps the low 3 bits: 1 */
    return f.mode;
}
