int putchar(int c);
char tape[300];
int run(char *prog) {
    char *ptr = tape;
    int ip = 0;
    int steps = 0;
    while (prog[ip]) {
        char c = prog[ip];
        steps++;
        if (c == '>') ptr++;
        else if (c == '<') ptr--;
        else if (c == '+') ++*ptr;
        else if (c == '-') --*ptr;
        else if (c == '.') putchar(*ptr);
        else if (c == '[' && *ptr == 0) {
            int depth = 1;
            while (depth) {
                ip++;
                if (prog[ip] == '[') depth++;
                if (prog[ip] == ']') depth--;
            }
        } else if (c == ']' && *ptr != 0) {
            int depth = 1;
            while (depth) {
                ip--;
                if (prog[ip] == ']') depth++;
                if (prog[ip] == '[') depth--;
            }
        }
        ip++;
    }
    return steps;
}
int main(void) {
    run("++++++++[>++++[>++>+++>+++>+<<<<-]>+>+>->>+[<]<-]>>.>---.+++++++..+++.>>.<-.<.+++.------.--------.>>+.");
    return tape[1];
}
