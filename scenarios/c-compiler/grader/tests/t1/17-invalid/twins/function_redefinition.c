int f(void);
int f(void) {
    return 7;
}
int main(void) {
    return f();
}
