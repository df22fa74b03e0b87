#include <stdio.h>
#include <stdlib.h>

int main(void) {
    srand(2024);
    int hist[6] = {0};
    for (int i = 0; i < 6000; i++) hist[rand() % 6]++;
    for (int i = 0; i < 6; i++) printf("%d ", hist[i]);
    printf("\n");
    srand(1);
    int first = rand();
    srand(1);
    printf("%d %d\n", first == rand(), RAND_MAX);
    return 0;
}
