int main(void) {
    int a = 2;
    int b = (a += 3) * 2;
    return a * 10 + b;
}
