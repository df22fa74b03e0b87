int main(void) {
    int x = 1;
    {
        int x = 2;
        x = x + 10;
    }
    return x;
}
