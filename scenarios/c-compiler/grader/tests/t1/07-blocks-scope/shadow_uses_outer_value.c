int main(void) {
    int x = 5;
    {
        int y = x * 2;
        int x = y + 1;
        return x;
    }
}
