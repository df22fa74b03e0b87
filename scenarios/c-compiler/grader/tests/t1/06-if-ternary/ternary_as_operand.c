int main(void) {
    int x = 3;
    return (x % 2 ? 100 : 200) + (x > 0 ? 1 : -1);
}
