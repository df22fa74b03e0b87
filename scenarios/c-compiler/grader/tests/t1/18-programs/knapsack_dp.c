int max(int a, int b) {
    return a > b ? a : b;
}
int main(void) {
    int weight[6] = {3, 4, 5, 9, 4, 2};
    int value[6] = {3, 4, 4, 10, 4, 1};
    int best[21];
    for (int w = 0; w <= 20; w++)
        best[w] = 0;
    for (int i = 0; i < 6; i++)
        for (int w = 20; w >= weight[i]; w--)
            best[w] = max(best[w], best[w - weight[i]] + value[i]);
    return best[20];
}
