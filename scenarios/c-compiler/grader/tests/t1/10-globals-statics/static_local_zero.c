int tick(void) {
    static int t;
    return t++;
}
int main(void) {
    tick();
    tick();
    return tick() + 40;
}
