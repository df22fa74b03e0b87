#ifndef COUNTER_H
#define COUNTER_H
int printf(const char *fmt, ...);
#define COUNTER_LIMIT 100
void counter_add(int v);
int counter_get(void);
#endif
