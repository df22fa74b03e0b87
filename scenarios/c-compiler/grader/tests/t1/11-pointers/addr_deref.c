int main(void) {
    int x = 17;
    int *p = &x;
    return *p;
}
