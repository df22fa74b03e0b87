int main(void) {
    int a = 0;
    int b = 0;
    int c = 0;
    (a = 1) || (a = 2);
    0 && (b = 5);
    1 && (c = 3);
    0 || (c = c + 4);
    return a * 100 + b * 10 + c;
}
