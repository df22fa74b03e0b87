void add_to(int *acc, int v) {
    *acc += v;
}
int main(void) {
    int total = 0;
    for (int i = 1; i <= 10; i++)
        add_to(&total, i);
    return total;
}
