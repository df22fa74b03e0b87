int main(void) {
    int found = 0;
    for (int i = 1; i < 10; i++) {
        for (int j = 1; j < 10; j++) {
            if (i * j == 42) {
                found = i * 10 + j;
                break;
            }
        }
        if (found) break;
    }
    return found;
}
