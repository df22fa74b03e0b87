#include <stdio.h>
#include <string.h>

int main(void) {
    char line[] = "name=ada;lang=c;;year=1843";
    int n = 0;
    for (char *tok = strtok(line, ";"); tok; tok = strtok(NULL, ";")) {
        char *eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = 0;
        printf("%d: %s -> %s\n", ++n, tok, eq + 1);
    }
    char csv[] = "a,b,,c";
    char *rest = csv, *field;
    while ((field = strsep(&rest, ",")) != NULL) printf("[%s]", field);
    printf("\n");
    return n;
}
