#include <ctype.h>
#include <stdio.h>

int main(void) {
    int counts[6] = {0};
    for (int c = 0; c < 128; c++) {
        counts[0] += isalpha(c) != 0;
        counts[1] += isdigit(c) != 0;
        counts[2] += isspace(c) != 0;
        counts[3] += ispunct(c) != 0;
        counts[4] += iscntrl(c) != 0;
        counts[5] += isxdigit(c) != 0;
    }
    for (int i = 0; i < 6; i++) printf("%d ", counts[i]);
    printf("\n");
    return 0;
}
