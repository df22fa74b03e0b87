int main(void) {
    int last = 0;
    int n = 0;
    for (int c = 97; c <= 122; c += 5) {
        last = c;
        n++;
    }
    return last - 97 + n;
}
