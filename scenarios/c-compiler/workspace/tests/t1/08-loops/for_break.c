int main(void) {
    int i;
    for (i = 0; i < 100; i++)
        if (i * i > 50) break;
    return i;
}
