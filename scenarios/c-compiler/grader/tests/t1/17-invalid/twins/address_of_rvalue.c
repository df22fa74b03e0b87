int main(void) {
    int five = 5;
    int *p = &five;
    return *p + 1;
}
