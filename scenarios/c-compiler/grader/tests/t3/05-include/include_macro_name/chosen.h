int printf(const char *fmt, ...);
static const char *which(void) { return "chosen"; }
