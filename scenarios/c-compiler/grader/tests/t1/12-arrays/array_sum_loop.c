int main(void) {
    int a[10];
    for (int i = 0; i < 10; i++)
        a[i] = i * 3;
    int s = 0;
    for (int i = 0; i < 10; i++)
        s += a[i];
    return s;
}
