int g[5];
int main(void) {
    for (int i = 0; i < 5; i++)
        g[i] = i + 1;
    return g[0] + g[4] * 10;
}
