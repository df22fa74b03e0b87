int main(void) {
    void *v = 0;
    return v == 0;
}
