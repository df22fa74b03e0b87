int printf(const char *fmt, ...);

#define DEFINE_MAX(T, name) \
    T name(T a, T b) { return a > b ? a : b; }

DEFINE_MAX(int, max_int)
DEFINE_MAX(double, max_double)
DEFINE_MAX(unsigned long, max_ulong)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define FOR_EACH(i, arr) for (unsigned long i = 0; i < ARRAY_LEN(arr); i++)

int main(void) {
    printf("%d %.1f %lu\n", max_int(3, -4), max_double(2.5, 2.25), max_ulong(7, 1ul << 40));
    long data[] = {5, 1, 9, 3};
    long best = data[0];
    FOR_EACH(i, data) best = best > data[i] ? best : data[i];
    printf("%ld %d\n", best, (int)ARRAY_LEN(data));
    return 0;
}
