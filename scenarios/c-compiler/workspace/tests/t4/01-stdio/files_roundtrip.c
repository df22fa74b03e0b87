#include <stdio.h>
#include <string.h>

int main(void) {
    FILE *f = fopen("data.txt", "w");
    if (!f) return 1;
    for (int i = 1; i <= 5; i++) fprintf(f, "line %d: %d\n", i, i * i);
    fclose(f);
    f = fopen("data.txt", "r");
    char buf[64];
    int lines = 0, total = 0;
    while (fgets(buf, sizeof buf, f)) {
        int n, sq;
        if (sscanf(buf, "line %d: %d", &n, &sq) == 2) total += sq;
        lines++;
    }
    fclose(f);
    printf("%d lines, total %d\n", lines, total);
    return remove("data.txt");
}
