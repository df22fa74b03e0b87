#include <stdio.h>

int main(void) {
    static char buf[BUFSIZ];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    for (int i = 0; i < 5; i++) printf("%d ", i);
    fflush(stdout);
    printf("\nafter flush\n");
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("unbuffered\n");
    return 0;
}
