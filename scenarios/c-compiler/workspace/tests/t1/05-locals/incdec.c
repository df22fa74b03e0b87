int main(void) {
    int i = 10;
    int j = i++;
    int k = --i;
    return i + j + k;
}
