#include <stdio.h>
#include <ctype.h>

int main(void) {
    FILE *f = tmpfile();
    fputs("123 456abc 7", f);
    rewind(f);
    int c, sum = 0, numbers = 0;
    while ((c = getc(f)) != EOF) {
        if (isdigit(c)) {
            ungetc(c, f);
            int v;
            if (fscanf(f, "%d", &v) == 1) { sum += v; numbers++; }
        }
    }
    printf("%d numbers, sum %d\n", numbers, sum);
    fclose(f);
    return numbers;
}
