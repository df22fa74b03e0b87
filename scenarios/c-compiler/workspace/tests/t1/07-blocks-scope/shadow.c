int main(void) {
    int a = 4;
    {
        int a = 9;
        a = a + 1;
    }
    return a;
}
