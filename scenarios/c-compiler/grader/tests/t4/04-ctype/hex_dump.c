#include <ctype.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    const unsigned char data[] = "Hello\x01\x02 World\n\x7f\xff tail";
    size_t n = sizeof data - 1;
    for (size_t off = 0; off < n; off += 8) {
        printf("%04zx ", off);
        for (size_t i = off; i < off + 8; i++) {
            if (i < n) printf("%02x ", data[i]);
            else printf("   ");
        }
        for (size_t i = off; i < off + 8 && i < n; i++) putchar(isprint(data[i]) ? data[i] : '.');
        putchar('\n');
    }
    return (int)n;
}
