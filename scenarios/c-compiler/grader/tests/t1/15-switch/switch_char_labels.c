int main(void) {
    char op = '*';
    int a = 6;
    int b = 7;
    switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    }
    return 0;
}
