#include "counter.h"
int main(void) {
    counter_add(5);
    counter_add(7);
    printf("%d %d\n", counter_get(), COUNTER_LIMIT);
    return counter_get();
}
