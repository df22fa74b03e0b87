int main(void) {
    return 19 + 23;
}
