int main(void) {
    return 1 || 0 && 0;
}
