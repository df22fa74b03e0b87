#include <stdio.h>
#include <stdlib.h>

#define VEC(T) struct { T *data; size_t len, cap; }
#define VEC_PUSH(v, x) do { \
        if ((v).len == (v).cap) { \
            (v).cap = (v).cap ? 2 * (v).cap : 4; \
            (v).data = realloc((v).data, (v).cap * sizeof *(v).data); \
        } \
        (v).data[(v).len++] = (x); \
    } while (0)
#define VEC_FREE(v) free((v).data)

int main(void) {
    VEC(int) ints = {0};
    VEC(double) reals = {0};
    for (int i = 0; i < 20; i++) VEC_PUSH(ints, i * i);
    for (int i = 0; i < 5; i++) VEC_PUSH(reals, i / 4.0);
    printf("%zu %zu %d\n", ints.len, ints.cap, ints.data[19]);
    printf("%zu %.2f\n", reals.len, reals.data[3]);
    VEC_FREE(ints);
    VEC_FREE(reals);
    return 0;
}
