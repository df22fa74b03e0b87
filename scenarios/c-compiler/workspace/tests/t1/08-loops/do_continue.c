int main(void) {
    int i = 0;
    int s = 0;
    do {
        i++;
        if (i == 3) continue;
        s += i;
    } while (i < 5);
    return s;
}
