#include "counter.h"
static int total;
void counter_add(int v) { if (total + v <= COUNTER_LIMIT) total += v; }
int counter_get(void) { return total; }
