int main(void) {
    return +18;
}
