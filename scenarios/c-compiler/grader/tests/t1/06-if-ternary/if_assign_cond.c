int main(void) {
    int x;
    if ((x = 9) > 5)
        return x;
    return 0;
}
