int main(void) {
    int a[10];
    int *p = a;
    return sizeof(a) + sizeof(p);
}
