int main(void) {
    int x = 200;
    char c = (char)x;
    return c < 0;
}
