int main(void) {
    int a = 0;
    int b = 1;
    return a ? 10 : b ? 20 : 30;
}
