struct p {
    int x;
    int y;
};
int main(void) {
    struct p v;
    v.x = 4;
    v.y = 1;
    return v.x + v.y;
}
