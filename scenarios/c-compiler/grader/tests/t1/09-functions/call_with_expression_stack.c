int f(int a, int b) { return a * b; }
int g(int a) { return a + 3; }
int main(void) {
    return 1 + (2 + (3 + f(g(1), g(2) + f(2, 3))));
}
