int main(void) {
    char c = 'a';
    c = c + 2;
    return c - 'a';
}
