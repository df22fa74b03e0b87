int main(void) {
    int outer = 0;
    {
        int inner = 5;
        outer = inner;
    }
    return outer;
}
