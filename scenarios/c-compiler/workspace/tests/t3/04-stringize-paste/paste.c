int printf(const char *fmt, ...);

#define CAT(a, b) a##b
#define XCAT(a, b) CAT(a, b)
#define PREFIX my_
#define FIELD(n) int field_##n;

struct s { FIELD(1) FIELD(2) FIELD(x) };

int my_value = 5;
int CAT(var, 3) = 30;

int main(void) {
    struct s v = {1, 2, 3};
    printf("%d %d %d\n", v.field_1, v.field_2, v.field_x);
    printf("%d %d\n", XCAT(PREFIX, value), var3);
    printf("%d\n", CAT(12, 34) + CAT(0x, 10));
    return 0;
}
