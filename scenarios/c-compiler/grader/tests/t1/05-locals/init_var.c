int main(void) {
    int x = 20;
    return x + 1;
}
