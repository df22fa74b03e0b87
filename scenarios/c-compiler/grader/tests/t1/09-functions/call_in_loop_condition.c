int limit(void) {
    return 6;
}
int main(void) {
    int s = 0;
    for (int i = 0; i < limit(); i++)
        s += i;
    return s;
}
