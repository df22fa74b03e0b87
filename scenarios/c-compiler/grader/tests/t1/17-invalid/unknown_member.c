struct p {
    int x;
};
int main(void) {
    struct p v;
    v.y = 1;
    return 0;
}
