int main(void) {
    return (2 == 2) + (2 == 3) + (10 != 3) + (1 == 1 == 1);
}
