int main(void) {
    return -56;
}
