int printf(const char *fmt, ...);

const char *size_name(void) {
#if SIZE < 10
    return "small";
#elif SIZE < 100
    return "medium";
#elif SIZE < 1000
    return "large";
#else
    return "huge";
#endif
}

#define SIZE 150
const char *size_name2(void) {
#if SIZE < 10
    return "small";
#elif SIZE < 100
    return "medium";
#elif SIZE < 1000
    return "large";
#else
    return "huge";
#endif
}

int main(void) {
    printf("%s %s\n", size_name(), size_name2());
    return 0;
}
