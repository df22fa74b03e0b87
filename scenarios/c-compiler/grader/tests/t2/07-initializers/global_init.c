int printf(const char *fmt, ...);

int values[5] = {10, 20, 30};
int *ptr = &values[2];
char greeting[] = "hello";
const char *words[] = {"alpha", "beta", "gamma", 0};
struct entry { const char *key; int value; } table[] = {
    {"one", 1}, {"two", 2}, {.key = "ten", .value = 10},
};
long offset = (long)sizeof(table) / sizeof(table[0]);
int *end = values + 5;
char *second = greeting + 1;

int main(void) {
    printf("%d %d %d\n", *ptr, values[3], (int)(end - ptr));
    printf("%s %s %d\n", greeting, second, (int)sizeof greeting);
    for (const char **w = words; *w; w++) printf("%s ", *w);
    printf("\n");
    for (int i = 0; i < offset; i++) printf("%s=%d ", table[i].key, table[i].value);
    printf("\n");
    return (int)offset;
}
