int main(void) {
    int x = 8;
    return x > 5 ? x * 2 : x;
}
