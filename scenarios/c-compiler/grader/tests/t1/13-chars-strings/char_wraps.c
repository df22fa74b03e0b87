int main(void) {
    char c = 127;
    c = c + 1;
    return c == -128;
}
