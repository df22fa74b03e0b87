int main(void) {
    int i;
    int j;
    int s = 0;
    for (i = 0, j = 10; i < j; i++, j--)
        s += j - i;
    return s;
}
