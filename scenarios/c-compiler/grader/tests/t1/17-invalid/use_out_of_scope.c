int main(void) {
    {
        int inner = 5;
    }
    return inner;
}
