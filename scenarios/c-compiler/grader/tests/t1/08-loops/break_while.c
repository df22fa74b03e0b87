int main(void) {
    int i = 0;
    while (1) {
        if (i == 13) break;
        i++;
    }
    return i;
}
