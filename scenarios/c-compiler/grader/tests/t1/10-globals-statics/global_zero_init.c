int g;
int main(void) {
    return g + 3;
}
