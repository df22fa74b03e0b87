#include <stdio.h>
#include <string.h>

int main(void) {
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%s-%d-%s", "alpha", 12345, "omega");
    printf("%d [%s] %zu\n", n, buf, strlen(buf));
    n = snprintf(NULL, 0, "%08.3f", 3.14159);
    printf("%d\n", n);
    char big[64];
    sprintf(big, "%x|%o|%c%c", 48879, 511, 'o', 'k');
    printf("%s\n", big);
    int written = 0;
    snprintf(big, sizeof big, "abc%ndef", &written);
    printf("%d %s\n", written, big);
    return 0;
}
