#include <stdio.h>
#include <string.h>

int main(void) {
    char a[32] = "compiler";
    char b[32];
    strcpy(b, a);
    strncat(b, "-writer-extra", 7);
    printf("%s %zu %zu\n", b, strlen(a), strlen(b));
    printf("%d %d %d\n", strcmp(a, b) < 0, strcmp(b, a) > 0, strcmp(a, "compiler"));
    printf("%s\n", strrchr(b, 'r'));
    printf("%s\n", strstr(b, "wri"));
    printf("%zu %zu\n", strspn("aaabbc", "ab"), strcspn("hello world", " "));
    return 0;
}
