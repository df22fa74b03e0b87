int main(void) {
    int x = 300;
    {
        char x = 65;
        if (x != 65) return 1;
    }
    return x - 200;
}
