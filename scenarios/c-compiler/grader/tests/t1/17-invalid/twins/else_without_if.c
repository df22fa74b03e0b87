int main(void) {
    int a = 1;
    if (a == 2) a = 5;
    else a = 2;
    return a;
}
