int main(void) {
    int x = 10;
    x += 5;
    x -= 3;
    x *= 4;
    x /= 6;
    x %= 5;
    return x;
}
