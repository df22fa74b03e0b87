#ifndef CONFIG_H
#define CONFIG_H
#define APP_NAME "demo"
#define SIDE 7
int printf(const char *fmt, ...);
#endif
