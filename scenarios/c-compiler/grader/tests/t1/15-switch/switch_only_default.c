int main(void) {
    int v = 3;
    switch (v) {
    default:
        v = v * 11;
    }
    return v;
}
