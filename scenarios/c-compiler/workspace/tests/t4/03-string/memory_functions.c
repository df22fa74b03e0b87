#include <stdio.h>
#include <string.h>

int main(void) {
    int src[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int dst[8];
    memcpy(dst, src, sizeof src);
    memmove(src + 2, src, 5 * sizeof(int));      /* overlapping */
    for (int i = 0; i < 8; i++) printf("%d ", src[i]);
    printf("\n");
    printf("%d %d\n", memcmp(src, dst, 2 * sizeof(int)), memcmp(src, dst, sizeof src) != 0);
    unsigned char bytes[10];
    memset(bytes, 0xab, sizeof bytes);
    printf("%x %x\n", bytes[0], bytes[9]);
    char *p = memchr("find the x here", 'x', 15);
    printf("%s\n", p);
    return 0;
}
