int main(void) {
    int x = 1;
    int n = sizeof(x = 100);
    return x + n;
}
