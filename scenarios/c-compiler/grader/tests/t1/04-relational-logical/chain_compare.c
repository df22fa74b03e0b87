int main(void) {
    return 5 > 4 > 3;
}
