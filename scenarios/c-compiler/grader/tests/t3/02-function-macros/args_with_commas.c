int printf(const char *fmt, ...);

#define FIRST(a, b) a
#define SECOND(a, b) b
#define APPLY(m, x) m(x)
#define ID(x) x

int pick(int a, int b) { return a * 10 + b; }

int main(void) {
    printf("%d\n", FIRST((1, 2), 3));           /* (1, 2) is one argument */
    printf("%d\n", SECOND(pick(1, 2), pick(3, 4)));
    printf("%d\n", APPLY(ID, 7));
    int arr[3] = {4, 5, 6};
    printf("%d\n", ID(arr[1]));
    printf("%s\n", FIRST("a,b", "c"));
    return 0;
}
