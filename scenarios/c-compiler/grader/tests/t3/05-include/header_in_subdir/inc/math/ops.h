#ifndef OPS_H
#define OPS_H
#include "../common.h"    /* relative to this header's own folder */
static int add(int a, int b) { return a + b; }
static int mul(int a, int b) { return a * b; }
#endif
