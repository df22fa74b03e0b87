int main(void) {
    int a[5];
    for (int i = 0; i < 5; i++)
        a[i] = i + 1;
    return a[0] + a[2] + a[4];
}
