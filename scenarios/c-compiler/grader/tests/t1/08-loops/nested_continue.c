int main(void) {
    int s = 0;
    for (int i = 0; i < 6; i++) {
        for (int j = 0; j < 6; j++) {
            if (j > i) continue;
            if ((i + j) % 2) continue;
            s++;
        }
    }
    return s;
}
