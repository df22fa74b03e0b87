int main(void) {
    int s = 0;
    int i;
    for (i = 1; i <= 20; i++)
        s += i;
    return s;
}
