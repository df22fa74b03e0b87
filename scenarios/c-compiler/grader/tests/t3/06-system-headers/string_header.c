#include <string.h>
#include <stdio.h>

int main(void) {
    char buf[32];
    strcpy(buf, "hello");
    strcat(buf, ", world");
    printf("%s %zu\n", buf, strlen(buf));
    printf("%d %d\n", strcmp("abc", "abd") < 0, strncmp("abcx", "abcy", 3));
    char *p = strchr(buf, 'w');
    printf("%s\n", p);
    memset(buf, '-', 5);
    printf("%s\n", buf);
    return (int)(p - buf);
}
