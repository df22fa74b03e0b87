int main(void) {
    return (12 & 10) | (3 ^ 5);
}
