int main(void) {
    int a = 1;
    {
        int a = 2;
        if (a != 2) return 99;
    }
    return a;
}
