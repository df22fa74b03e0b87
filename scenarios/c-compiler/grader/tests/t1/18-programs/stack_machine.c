int printf(char *fmt, ...);
enum { PUSH, ADD, SUB, MUL, DUP, SWAP, JNZ, PRINT, HALT, DEC };
int code[] = {
    PUSH, 1,        /* acc */
    PUSH, 10,       /* counter */
    /* loop: stack = acc counter */
    SWAP, PUSH, 3, MUL, SWAP,
    DEC, DUP, JNZ, 4,
    SWAP, PRINT, HALT
};
int stack[64];
int run(void) {
    int sp = 0;
    int pc = 0;
    int steps = 0;
    while (1) {
        int op = code[pc++];
        steps++;
        switch (op) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case ADD: sp--; stack[sp - 1] = stack[sp - 1] + stack[sp]; break;
        case SUB: sp--; stack[sp - 1] = stack[sp - 1] - stack[sp]; break;
        case MUL: sp--; stack[sp - 1] = (stack[sp - 1] * stack[sp]) % 1000003; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case SWAP: {
            int t = stack[sp - 1];
            stack[sp - 1] = stack[sp - 2];
            stack[sp - 2] = t;
            break;
        }
        case DEC: stack[sp - 1]--; break;
        case JNZ: {
            int target = code[pc++];
            if (stack[--sp]) pc = target;
            break;
        }
        case PRINT: printf("%d\n", stack[--sp]); break;
        case HALT: return steps;
        default: return -1;
        }
    }
}
int main(void) {
    return run() % 256;
}
