int main(void) {
    int a = 1;
    int b = 0;
    if (a)
        if (b)
            return 1;
        else
            return 2;
    return 3;
}
