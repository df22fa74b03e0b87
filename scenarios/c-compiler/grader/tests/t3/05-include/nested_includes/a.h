#ifndef A_H
#define A_H
#include "b.h"
#define A_VALUE (B_VALUE + 1)
#endif
