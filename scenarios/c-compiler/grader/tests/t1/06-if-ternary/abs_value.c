int main(void) {
    int v = -31;
    if (v < 0) v = -v;
    return v;
}
