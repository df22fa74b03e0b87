int main(void) {
    return (1 < 2) + (2 <= 2) + (3 > 4) + (5 >= 5);
}
