int size = 4 * 8 + 2;
int mask = (1 << 5) - 1;
int main(void) {
    return size + mask;
}
