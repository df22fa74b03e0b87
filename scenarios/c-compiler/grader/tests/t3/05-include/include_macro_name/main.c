#define STR(x) #x
#define XSTR(x) STR(x)
#include HEADER
#define OTHER "other.h"
#include OTHER
int main(void) {
    printf("%s %d\n", which(), OTHER_VALUE);
    return OTHER_VALUE;
}
