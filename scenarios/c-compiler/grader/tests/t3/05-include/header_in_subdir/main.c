#include "inc/math/ops.h"
int main(void) {
    printf("%d %d\n", add(2, 3), mul(4, 5));
    return add(mul(2, 3), 1);
}
