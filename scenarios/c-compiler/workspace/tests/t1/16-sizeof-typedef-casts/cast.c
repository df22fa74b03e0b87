int main(void) {
    int big = 257;
    return (char)big;
}
