int main(void) {
    return 067;
}
