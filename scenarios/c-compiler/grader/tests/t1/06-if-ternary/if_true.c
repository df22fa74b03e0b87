int main(void) {
    int a = 0;
    if (1) a = 7;
    return a;
}
