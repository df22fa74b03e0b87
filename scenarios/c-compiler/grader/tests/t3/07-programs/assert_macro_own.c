#include <stdio.h>
#include <stdlib.h>

static int failures;

#define REQUIRE(cond, ...) \
    do { \
        if (!(cond)) { \
            failures++; \
            printf("%s:%d: requirement `%s` failed: ", __FILE__, __LINE__, #cond); \
            printf(__VA_ARGS__); \
            printf("\n"); \
        } \
    } while (0)

#define COUNT_OF(a) (sizeof(a) / sizeof(*(a)))

int main(void) {
    int data[] = {3, 1, 4, 1, 5, 9, 2, 6};
    /* one line per invocation: __LINE__ in a call spread over lines is unspecified */
    for (size_t i = 1; i < COUNT_OF(data); i++)
        REQUIRE(data[i - 1] <= data[i], "data[%zu]=%d > next=%d", i - 1, data[i - 1], data[i]);
    REQUIRE(COUNT_OF(data) == 8, "size is %zu", COUNT_OF(data));
    printf("%d failures\n", failures);
    return failures;
}
