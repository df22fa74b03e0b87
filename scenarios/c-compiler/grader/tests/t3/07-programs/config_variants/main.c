#include <stdio.h>
#include "config.h"
#include "store.h"
int main(void) {
    for (int i = 0; i < 12; i++) store_put(i % 5, i * 3);
    printf("%s items=%d hits=%d\n", STORE_KIND, store_count(), store_hits());
    return store_count();
}
