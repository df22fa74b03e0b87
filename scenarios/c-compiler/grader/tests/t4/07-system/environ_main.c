#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char *argv[], char *envp[]) {
    setenv("CCOMPILER_MARK", "1", 1);
    int found = 0;
    for (char **e = environ; *e; e++) found += strncmp(*e, "CCOMPILER_MARK=", 15) == 0;
    printf("%d %d %d\n", argc, found, envp != NULL);
    return 0;
}
