int main(void) {
    return 255;
}
