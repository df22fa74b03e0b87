#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    FILE *f = fopen("/nonexistent/dir/file", "r");
    int saved = errno;
    printf("%d %d\n", f == NULL, saved == ENOENT);
    printf("%s\n", strerror(ENOENT));
    printf("%s\n", strerror(EACCES));
    errno = 0;
    printf("%d\n", errno);
    return saved == ENOENT ? 0 : 1;
}
