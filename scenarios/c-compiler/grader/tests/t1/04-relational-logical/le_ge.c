int main(void) {
    return (3 <= 3) + (4 <= 3) * 2 + (3 >= 3) * 4 + (2 >= 3) * 8;
}
