int main(void) {
    return (2 & 1) * 10 + (2 && 1);
}
