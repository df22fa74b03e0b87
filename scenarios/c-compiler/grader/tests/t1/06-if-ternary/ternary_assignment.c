int main(void) {
    int a;
    int flag = 0;
    a = flag ? 3 : 4;
    flag = !flag;
    a = a * 10 + (flag ? 3 : 4);
    return a;
}
