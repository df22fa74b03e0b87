int main(void) {
    long a = 1;
    for (int i = 0; i < 40; i++)
        a = a * 2;
    return a >> 35;
}
