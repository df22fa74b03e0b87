int main(void) {
    int a = 3;
    if (a == 3)
        return 10;
    else
        return 20;
}
