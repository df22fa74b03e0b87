#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    printf("%d %s\n", argc, argv[0] != NULL ? "argv0" : "none");
    printf("%d\n", argv[argc] == NULL);
    if (argc == 1) {
        fflush(stdout);
        _Exit(77);
    }
    return 0;
}
