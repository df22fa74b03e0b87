int main(void) {
    return 5 != 5;
}
