#ifndef LOG_H
#define LOG_H
#ifndef LOG_LEVEL
#define LOG_LEVEL 0
#endif
static int log_count;
#define LOG_AT(lvl, tag, ...) \
    do { if ((lvl) <= LOG_LEVEL) { log_count++; printf("[" tag "] " __VA_ARGS__); printf("\n"); } } while (0)
#define LOG_ERROR(...) LOG_AT(0, "error", __VA_ARGS__)
#define LOG_WARN(...) LOG_AT(1, "warn", __VA_ARGS__)
#define LOG_INFO(...) LOG_AT(2, "info", __VA_ARGS__)
#define LOG_DEBUG(...) LOG_AT(3, "debug", __VA_ARGS__)
#endif
