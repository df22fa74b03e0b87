int main(void) {
    return (10 - 4) * (2 + 1);
}
