int main(void) {
    char c = 'z';
    return c - 'a';
}
