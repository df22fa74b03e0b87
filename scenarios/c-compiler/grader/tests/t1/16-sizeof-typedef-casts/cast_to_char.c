int main(void) {
    int x = 300;
    return (char)x;
}
