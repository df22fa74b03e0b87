int main(void) {
    return -64 >> 2;
}
