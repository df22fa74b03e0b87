int main(void) {
    return (1 && 2) + (0 || 3) * 2 + (0 && 1) * 4;
}
