int g = 6;
int *gp(void) {
    return &g;
}
int main(void) {
    *gp() = 60;
    return g;
}
