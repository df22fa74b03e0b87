int main(void) {
    int a[3];
    a[0] = 7;
    a[1] = 8;
    a[2] = 9;
    int *p = a;
    int x = *p++;
    int y = *p++;
    return x * 10 + y + *p;
}
