int printf(const char *fmt, ...);

int run(const char *code) {
    int acc = 0, i = 0;
next:
    switch (code[i++]) {
    case '+': goto inc;
    case '-': goto dec;
    case '*': goto dbl;
    case 0: goto done;
    default: goto next;
    }
inc: acc++; goto next;
dec: acc--; goto next;
dbl: acc *= 2; goto next;
done:
    return acc;
}

int main(void) {
    printf("%d %d %d\n", run("+++*-"), run("*+*+*+"), run("x+y+z*"));
    return run("++**");
}
