int main(void) {
    return 42 || 0;
}
