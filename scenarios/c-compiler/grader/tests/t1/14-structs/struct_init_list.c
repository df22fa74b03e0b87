struct rgb {
    int r;
    int g;
    int b;
};
int main(void) {
    struct rgb c = {10, 20, 30};
    return c.r + c.g + c.b;
}
