#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    int *a = calloc(10, sizeof *a);
    int zeros = 0;
    for (int i = 0; i < 10; i++) zeros += a[i] == 0;
    printf("%d\n", zeros);
    for (int i = 0; i < 10; i++) a[i] = i;
    a = realloc(a, 1000 * sizeof *a);
    for (int i = 10; i < 1000; i++) a[i] = i;
    long sum = 0;
    for (int i = 0; i < 1000; i++) sum += a[i];
    printf("%ld\n", sum);
    free(a);
    char *s = malloc(6);
    memcpy(s, "hello", 6);
    s = realloc(s, 12);
    strcat(s, " you");
    printf("%s\n", s);
    free(s);
    free(NULL);
    return 0;
}
