#define WHERE() printf("called at line %d\n", __LINE__)
static const char *header_file(void) { return __FILE__; }
