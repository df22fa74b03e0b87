int main(void) {
    int i = 3;
    int j = i++ + 10;
    return j * 10 + i;
}
