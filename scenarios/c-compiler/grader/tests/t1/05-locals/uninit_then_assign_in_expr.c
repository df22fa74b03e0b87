int main(void) {
    int x;
    int y;
    y = (x = 4) + 1;
    y = y * (x = x + 1);
    return y + x;
}
