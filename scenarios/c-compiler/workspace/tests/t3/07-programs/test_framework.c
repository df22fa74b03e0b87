#include <stdio.h>
#include <string.h>

static int tests_run, tests_failed;

#define CHECK(cond) do { \
        tests_run++; \
        if (!(cond)) { tests_failed++; printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
    } while (0)
#define CHECK_EQ_INT(a, b) CHECK((a) == (b))
#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

static int add(int a, int b) { return a + b; }

int main(void) {
    CHECK_EQ_INT(add(2, 2), 4);
    CHECK_EQ_INT(add(2, 2), 5);
    CHECK_STR("abc", "abc");
    CHECK_STR("abc", "abd");
    CHECK(sizeof(int) == 4);
    printf("%d run, %d failed\n", tests_run, tests_failed);
    return tests_failed;
}
