int main(void) {
    int y = 5;
    return y;
}
