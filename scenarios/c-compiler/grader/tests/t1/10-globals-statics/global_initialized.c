int g = 41;
int main(void) {
    return g + 1;
}
