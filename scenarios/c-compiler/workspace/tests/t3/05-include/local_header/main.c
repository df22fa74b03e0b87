#include "util.h"
#include "util.h"   /* a second time: the guard keeps it harmless */

int main(void) {
    struct pair p = make_pair(3, 4);
    printf("%d %d %d\n", p.a, p.b, PAIR_SUM(p));
    return PAIR_SUM(p);
}
