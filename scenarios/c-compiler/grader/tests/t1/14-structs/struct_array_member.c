struct buf {
    int len;
    int data[8];
};
int main(void) {
    struct buf b;
    b.len = 0;
    for (int i = 0; i < 5; i++)
        b.data[b.len++] = i * i;
    return b.data[4] + b.len;
}
