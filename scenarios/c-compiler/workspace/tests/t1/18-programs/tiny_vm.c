int code[] = {1, 5, 1, 7, 2, 0};
int main(void) {
    int stack[8];
    int sp = 0;
    int pc = 0;
    while (code[pc]) {
        if (code[pc] == 1) { stack[sp++] = code[pc + 1]; pc += 2; }
        else if (code[pc] == 2) { sp--; stack[sp - 1] *= stack[sp]; pc++; }
    }
    return stack[0];
}
