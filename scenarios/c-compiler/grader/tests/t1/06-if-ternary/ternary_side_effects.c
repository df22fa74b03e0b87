int main(void) {
    int a = 0;
    int b = 0;
    1 ? (a = 5) : (b = 5);
    0 ? (a = 6) : (b = 6);
    return a * 10 + b;
}
