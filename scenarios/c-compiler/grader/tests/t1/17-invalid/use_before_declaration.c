int main(void) {
    x = 3;
    int x;
    return x;
}
