int main(void) {
    return 017;
}
