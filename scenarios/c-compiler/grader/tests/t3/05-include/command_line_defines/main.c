int printf(const char *fmt, ...);
#ifndef SIZE
#error SIZE must come from the command line
#endif
int main(void) {
    int v[SIZE];
    printf("%d %s %d\n", (int)(sizeof v / sizeof v[0]), NAME, FLAG);
#ifdef UNSET
    printf("never\n");
#endif
    return SIZE;
}
