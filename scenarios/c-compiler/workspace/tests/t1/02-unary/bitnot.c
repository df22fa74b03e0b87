int main(void) {
    return ~-13;
}
