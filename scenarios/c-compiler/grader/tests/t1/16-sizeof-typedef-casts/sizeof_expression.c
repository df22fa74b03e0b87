int main(void) {
    int x = 5;
    char c = 'a';
    long l = 9;
    return sizeof x + sizeof(c) * 10 + sizeof(l + 1) * 100 - 800;
}
