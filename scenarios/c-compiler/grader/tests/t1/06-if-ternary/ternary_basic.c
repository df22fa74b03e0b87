int main(void) {
    int a = 4;
    return a > 2 ? 10 : 20;
}
