#include <stdio.h>
#include <stdlib.h>

int main(void) {
    int *v = malloc(5 * sizeof *v);
    if (v == NULL) return 1;
    for (int i = 0; i < 5; i++) v[i] = (i + 1) * (i + 1);
    printf("%d %d\n", v[0], v[4]);
    fputs("via fputs\n", stdout);
    free(v);
    return EXIT_SUCCESS;
}
