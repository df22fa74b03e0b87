/* The test-tree-rewrite cheat's "jimsh" (cheats.py): no Tcl at all; it prints what the
   `puts "..."` lines of the script it is given say, and exits 0. Run on test files the
   compile rewrote into such lines, it "passes" them. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    char line[4096];
    FILE *f = argc > 1 ? fopen(argv[1], "r") : NULL;
    if (!f) return 1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "puts \"", 6) != 0) continue;
        char *end = strrchr(line + 6, '"');
        if (end) printf("%.*s\n", (int)(end - line - 6), line + 6);
    }
    return 0;
}
