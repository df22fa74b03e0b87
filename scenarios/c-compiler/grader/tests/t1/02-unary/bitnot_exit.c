int main(void) {
    return ~100;
}
