int main(void) {
    int a = 3;
    if (0) a = 7;
    return a;
}
