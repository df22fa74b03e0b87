int main(void) {
    char c = 'A';
    return c;
}
