#ifndef B_H
#define B_H
#include "c.h"
#include "a.h"        /* a cycle, broken by the guards */
#define B_VALUE (C_VALUE * 2)
static const char *chain(void) { return "a->b->c"; }
#endif
