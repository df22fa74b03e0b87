int printf(const char *fmt, ...);

#define STR(x) #x

int main(void) {
    printf("%s\n", STR("quoted"));
    printf("%s\n", STR('\n'));
    printf("%s\n", STR(a "b\"c" d));
    printf("[%s]\n", STR(   leading and trailing   ));
    printf("[%s]\n", STR());
    return 0;
}
