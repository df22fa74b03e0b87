#include <stdio.h>
#include <string.h>

#define OPCODES(X) \
    X(PUSH, 1) X(ADD, 0) X(SUB, 0) X(MUL, 0) X(DUP, 0) X(PRINT, 0) X(HALT, 0)

enum op {
#define X(name, args) OP_##name,
    OPCODES(X)
#undef X
};

static const struct { const char *name; int args; } info[] = {
#define X(name, args) {#name, args},
    OPCODES(X)
#undef X
};

int main(void) {
    long code[] = {OP_PUSH, 6, OP_PUSH, 7, OP_MUL, OP_DUP, OP_PRINT, OP_PUSH, 2, OP_SUB,
                   OP_PRINT, OP_HALT};
    long stack[16];
    int sp = 0;
    for (int pc = 0;;) {
        enum op o = (enum op)code[pc];
        printf("%-5s", info[o].name);
        if (info[o].args) printf(" %ld", code[pc + 1]);
        printf("\n");
        switch (o) {
        case OP_PUSH: stack[sp++] = code[pc + 1]; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_PRINT: printf("=> %ld\n", stack[sp - 1]); break;
        case OP_HALT: return (int)stack[sp - 1];
        }
        pc += 1 + info[o].args;
    }
}
