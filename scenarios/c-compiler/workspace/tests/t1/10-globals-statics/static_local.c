int count(void) {
    static int c = 0;
    c = c + 1;
    return c;
}
int main(void) {
    count();
    count();
    return count();
}
