int main(void) {
    int a;
    3 = a;
    return a;
}
