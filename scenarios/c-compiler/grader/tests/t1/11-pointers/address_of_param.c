int f(int x) {
    int *p = &x;
    *p = *p * 3;
    return x;
}
int main(void) {
    return f(14);
}
