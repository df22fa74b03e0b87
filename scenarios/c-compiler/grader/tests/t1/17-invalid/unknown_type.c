int main(void) {
    widget w;
    return 0;
}
