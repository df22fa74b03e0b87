int printf(const char *fmt, ...);
int shared;          /* tentative definitions: one object */
int shared;
extern int shared;
void set_from_b(int v);
int main(void) {
    shared = 5;
    set_from_b(37);
    printf("%d\n", shared);
    return shared;
}
