enum { ZERO, ONE, TWO, TEN = 10 };
int main(void) {
    return ONE + TWO + TEN;
}
