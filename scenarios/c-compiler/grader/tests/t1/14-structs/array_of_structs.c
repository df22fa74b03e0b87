struct item {
    int id;
    int qty;
};
int main(void) {
    struct item items[4];
    for (int i = 0; i < 4; i++) {
        items[i].id = i;
        items[i].qty = (i + 1) * 5;
    }
    int total = 0;
    for (int i = 0; i < 4; i++)
        total += items[i].qty;
    return total;
}
