int g = 7;
int main(void) {
    g = g * 2;
    return g;
}
