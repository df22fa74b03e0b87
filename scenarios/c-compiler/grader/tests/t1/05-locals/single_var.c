int main(void) {
    int a;
    a = 11;
    return a;
}
