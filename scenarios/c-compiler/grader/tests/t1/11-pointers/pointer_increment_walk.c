int main(void) {
    int a[5];
    for (int i = 0; i < 5; i++)
        a[i] = i * i;
    int s = 0;
    for (int *p = a; p < a + 5; p++)
        s += *p;
    return s;
}
