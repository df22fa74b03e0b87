#ifndef UTIL_H
#define UTIL_H
int printf(const char *fmt, ...);
struct pair { int a, b; };
#define PAIR_SUM(p) ((p).a + (p).b)
static struct pair make_pair(int a, int b) { struct pair p = {a, b}; return p; }
#endif
