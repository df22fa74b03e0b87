int main(void) {
    int a[4];
    return sizeof(a) + sizeof(char);
}
