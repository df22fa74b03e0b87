int main(void) {
    int a = 5;
    int b = a++;
    int c = ++a;
    return a * 100 + b * 10 + c - 500;
}
