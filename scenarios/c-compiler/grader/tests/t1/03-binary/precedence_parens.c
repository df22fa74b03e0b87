int main(void) {
    return (2 + 3) * 4;
}
