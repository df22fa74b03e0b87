int printf(const char *fmt, ...);

int calls;
int bump(void) { return ++calls; }

int main(void) {
    int x = (bump(), bump(), bump());
    printf("%d %d\n", x, calls);
    int y = sizeof(bump());              /* not evaluated */
    printf("%d %d\n", y, calls);
    long arr[10];
    printf("%d %d\n", (int)sizeof arr, (int)(sizeof arr / sizeof arr[0]));
    int i, j;
    for (i = 0, j = 10; i < j; i++, j--) ;
    printf("%d %d\n", i, j);
    return calls;
}
