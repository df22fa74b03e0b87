int main(void) {
    return 3;
    return 4;
}
