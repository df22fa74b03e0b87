#include "a.h"
int main(void) {
    printf("%d %d %d\n", A_VALUE, B_VALUE, C_VALUE);
    printf("%s\n", chain());
    return A_VALUE;
}
