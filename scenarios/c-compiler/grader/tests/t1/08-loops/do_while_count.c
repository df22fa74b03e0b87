int main(void) {
    int n = 0;
    int steps = 0;
    do {
        n += 7;
        steps++;
    } while (n < 60);
    return steps;
}
