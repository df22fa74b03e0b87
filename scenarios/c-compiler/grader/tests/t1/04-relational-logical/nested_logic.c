int main(void) {
    return (1 && (0 || (2 && 3))) * 10 + (0 || (1 && 0));
}
