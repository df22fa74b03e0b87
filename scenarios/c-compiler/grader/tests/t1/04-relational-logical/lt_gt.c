int main(void) {
    return (3 < 4) + (4 < 3) * 2 + (9 > 1) * 4 + (1 > 9) * 8;
}
