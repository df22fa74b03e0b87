/* A tiny honest compiler for stages 01-03: int main() { return <expr>; } with unary and
   binary integer operators. Emits x86-64 assembly, then assembles and links with gcc. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

static const char *src;
static FILE *out;
static int done;

static void fail(const char *msg) { fprintf(stderr, "error: %s near '%.10s'\n", msg, src); exit(1); }

static void skip(void) {
    for (;;) {
        while (isspace((unsigned char)*src)) src++;
        if (src[0] == '/' && src[1] == '/') { while (*src && *src != '\n') src++; continue; }
        if (src[0] == '/' && src[1] == '*') {
            const char *end = strstr(src + 2, "*/");
            if (!end) fail("unterminated comment");
            src = end + 2;
            continue;
        }
        return;
    }
}

static int accept(const char *tok) {
    skip();
    size_t n = strlen(tok);
    if (strncmp(src, tok, n) != 0) return 0;
    if (isalnum((unsigned char)tok[0]) && (isalnum((unsigned char)src[n]) || src[n] == '_')) return 0;
    if (n == 1 && strchr("<>&|", tok[0]) && src[1] == tok[0]) return 0;  /* not half of << */
    src += n;
    return 1;
}

static void expect(const char *tok) { if (!accept(tok)) fail(tok); }

static void expr(int level);

static void primary(void) {
    skip();
    if (accept("(")) { expr(0); expect(")"); return; }
    if (!isdigit((unsigned char)*src)) fail("expected a number");
    char *end;
    long v = strtol(src, &end, 0);
    if (isalnum((unsigned char)*end)) fail("bad number");
    src = end;
    fprintf(out, "\tmovl $%ld, %%eax\n", v);
}

static void unary(void) {
    if (accept("-")) { unary(); fprintf(out, "\tnegl %%eax\n"); return; }
    if (accept("~")) { unary(); fprintf(out, "\tnotl %%eax\n"); return; }
    if (accept("!")) { unary(); fprintf(out, "\tcmpl $0, %%eax\n\tsete %%al\n\tmovzbl %%al, %%eax\n"); return; }
    if (accept("+")) { unary(); return; }
    primary();
}

static const char *levels[][4] = {{"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "%"}};
#define NLEVELS 6

static void binop(const char *op) {
    fprintf(out, "\tmovl %%eax, %%ecx\n\tpopq %%rax\n");
    if (!strcmp(op, "+")) fprintf(out, "\taddl %%ecx, %%eax\n");
    else if (!strcmp(op, "-")) fprintf(out, "\tsubl %%ecx, %%eax\n");
    else if (!strcmp(op, "*")) fprintf(out, "\timull %%ecx, %%eax\n");
    else if (!strcmp(op, "/")) fprintf(out, "\tcltd\n\tidivl %%ecx\n");
    else if (!strcmp(op, "%")) fprintf(out, "\tcltd\n\tidivl %%ecx\n\tmovl %%edx, %%eax\n");
    else if (!strcmp(op, "<<")) fprintf(out, "\tsall %%cl, %%eax\n");
    else if (!strcmp(op, ">>")) fprintf(out, "\tsarl %%cl, %%eax\n");
    else if (!strcmp(op, "&")) fprintf(out, "\tandl %%ecx, %%eax\n");
    else if (!strcmp(op, "^")) fprintf(out, "\txorl %%ecx, %%eax\n");
    else if (!strcmp(op, "|")) fprintf(out, "\torl %%ecx, %%eax\n");
}

static void expr(int level) {
    if (level == NLEVELS) { unary(); return; }
    expr(level + 1);
    for (;;) {
        const char *op = NULL;
        for (int i = 0; i < 4 && levels[level][i]; i++)
            if (accept(levels[level][i])) { op = levels[level][i]; break; }
        if (!op) return;
        fprintf(out, "\tpushq %%rax\n");
        expr(level + 1);
        binop(op);
    }
}

static void statement(void) {
    if (accept(";")) return;
    expect("return");
    expr(0);
    expect(";");
    if (!done) fprintf(out, "\tjmp .Lreturn\n");
    done = 1;
}

int main(int argc, char **argv) {
    if (argc != 4 || strcmp(argv[2], "-o")) { fprintf(stderr, "usage: compile in.c -o out\n"); return 2; }
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 1; }
    static char buf[1 << 20];
    buf[fread(buf, 1, sizeof buf - 1, f)] = 0;
    fclose(f);
    src = buf;
    char asm_path[4096];
    const char *tmp = getenv("TMPDIR");
    snprintf(asm_path, sizeof asm_path, "%s/mini-%d.s", tmp ? tmp : "/tmp", (int)getpid());
    out = fopen(asm_path, "w");
    if (!out) { perror(asm_path); return 1; }
    fprintf(out, "\t.globl main\nmain:\n");
    expect("int"); expect("main"); expect("(");
    accept("void");
    expect(")"); expect("{");
    while (!accept("}")) statement();
    skip();
    if (*src) fail("trailing text");
    fprintf(out, "\tmovl $0, %%eax\n.Lreturn:\n\tret\n\t.section .note.GNU-stack,\"\",@progbits\n");
    fclose(out);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("gcc", "gcc", "-x", "assembler", asm_path, "-o", argv[3], (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    unlink(asm_path);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
