int main(void) {
    int a = 4;
    return a;
}
