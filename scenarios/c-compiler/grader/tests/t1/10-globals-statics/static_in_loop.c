int main(void) {
    int s = 0;
    for (int i = 0; i < 5; i++) {
        static int k = 0;
        k = k + i;
        s = k;
    }
    return s;
}
