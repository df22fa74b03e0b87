int main(void) {
    int i = 0;
    for (;;) {
        i += 3;
        if (i > 40) break;
    }
    return i;
}
