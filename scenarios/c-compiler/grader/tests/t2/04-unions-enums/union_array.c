int printf(const char *fmt, ...);

union cell { int n; char c[4]; };

int main(void) {
    union cell cells[5];
    for (int i = 0; i < 5; i++) cells[i].n = 0;
    cells[0].c[0] = 'a';
    cells[1].c[0] = 'b'; cells[1].c[1] = 'c';
    cells[2].n = 'z';
    for (int i = 0; i < 3; i++) printf("%s|", cells[i].c);
    printf("\n");
    union cell *p = cells + 3;
    p->n = 0x00434241;
    printf("%s %d\n", p->c, (int)(p - cells));
    return (int)sizeof(cells);
}
