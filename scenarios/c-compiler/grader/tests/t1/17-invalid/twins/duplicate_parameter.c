int f(int a, int b) {
    return a * 10 + b;
}
int main(void) {
    return f(1, 2);
}
