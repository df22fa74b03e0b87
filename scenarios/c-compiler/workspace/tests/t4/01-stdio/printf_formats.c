#include <stdio.h>

int main(void) {
    printf("[%d] [%5d] [%-5d] [%05d] [%+d]\n", 42, 42, 42, 42, 42);
    printf("[%u] [%x] [%X] [%#x] [%o] [%#o]\n", 3000000000u, 255, 255, 255, 8, 8);
    printf("[%ld] [%lld] [%hd] [%hhu] [%zu]\n", -5L, 1LL << 40, (short)-2, (unsigned char)300,
           sizeof(long));
    printf("[%c] [%s] [%.3s] [%8s] [%-8s]\n", 'z', "text", "truncate", "right", "left");
    printf("[%f] [%.2f] [%10.3f] [%e] [%g] [%g]\n", 3.14159, 2.5, -1.0, 12345.678, 0.0001,
           1e20);
    printf("[%*d] [%-*d] [%.*f]\n", 6, 7, 4, 8, 2, 1.23456);
    printf("%%done\n");
    return 0;
}
