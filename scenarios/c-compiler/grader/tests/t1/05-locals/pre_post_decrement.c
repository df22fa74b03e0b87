int main(void) {
    int a = 5;
    int b = a--;
    int c = --a;
    return a * 10 + b + c;
}
